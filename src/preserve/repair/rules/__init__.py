"""The repair rules, one small pure function each: ``rule(text, context) -> RuleOutput``."""
