"""``preserve handoff``: deliver packages to a folder, an SFTP server or an OCFL root,
prove they arrived whole, and record the receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich import filesize
from rich.markup import escape
from rich.table import Table

from preserve.catalog import Catalog
from preserve.cli.app import (
    EXIT_FAILED,
    EXIT_OK,
    ConfigOption,
    JsonOption,
    app,
    console,
    emit_json,
    error_console,
    existing_catalog,
    fail,
    user_errors,
)
from preserve.config import SERIALIZATIONS, Config, HandoffDestination, load_config
from preserve.handoff import (
    LOCKS,
    PASSWORD_ENV,
    Delivery,
    DeliveryError,
    audit_destination,
    check_destination_apart,
    configured_options,
    hand_off,
    open_destination,
    parse_destination,
    record_delivery,
)


@app.command("handoff")
def handoff_command(
    packages: Annotated[list[Path], typer.Argument(help="Package folders to deliver.")],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="A folder, sftp://\\[user@]host\\[:port]/abs/path, ocfl:///abs/path, or the name "
            "of a \\[\\[handoff.destinations]] entry.",
        ),
    ],
    serialize: Annotated[
        str | None,
        typer.Option(help="none (a bag folder), tar, tar.gz or zip. Default: none."),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="BagIt profile checked first (a file, btr, aptrust, a URI, or none). "
            "Default: \\[bagging] profile_identifier."
        ),
    ] = None,
    identity: Annotated[Path | None, typer.Option(help="SSH private key file.")] = None,
    known_hosts: Annotated[
        Path | None, typer.Option(help="known_hosts file. Default: ~/.ssh/known_hosts.")
    ] = None,
    ask_password: Annotated[
        bool,
        typer.Option("--ask-password", help=f"Prompt for an SFTP password (or {PASSWORD_ENV})."),
    ] = False,
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog file. Default: \\[paths] catalog.")
    ] = None,
    json_output: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Check each package (full validation and profile), send it under a temporary name,
    read it back and re-hash every file, then publish it and record a receipt and a PREMIS
    replication event.

    Exit 0 when every package is delivered (or already was), 1 when any was refused or
    failed, 2 on usage or configuration errors.
    """
    with user_errors():
        settings = load_config(config)
        named = _named_destination(settings, to)
        address = parse_destination(named.url if named else to)
    kind = serialize or (named.serialize if named else "none")
    if kind not in SERIALIZATIONS:
        fail(f"--serialize {kind} is unknown: choose none, tar, tar.gz or zip.")
    if address.kind == "ocfl" and kind != "none":
        fail("An OCFL object holds the bag's files, not an archive: leave out --serialize.")
    given_profile = profile if profile is not None else (named.profile if named else "")
    chosen_profile = given_profile or settings.bagging.profile_identifier or None
    if chosen_profile == "none":
        chosen_profile = None
    catalog = existing_catalog(settings, catalog)
    missing = [str(p) for p in packages if not p.is_dir()]
    if missing:
        fail(f"Not a package folder: {', '.join(missing)}; give the folders of bags.")
    with user_errors():
        check_destination_apart(address, packages, Path(settings.paths.packages))
    if chosen_profile:
        from preserve.validation.profile import load_profile

        with user_errors():
            load_profile(chosen_profile)
    options = _connection_options(address.kind, named, identity, known_hosts, ask_password)
    agents = settings.agents

    deliveries: list[Delivery] = []
    with user_errors(), Catalog.open(catalog) as store:
        try:
            destination = open_destination(address, **options)
        except DeliveryError as error:
            # The destination is out of reach: each package gets a failed receipt, one line.
            for path in packages:
                delivery = Delivery(path.name, address.display, kind, reasons=[str(error)])
                record_delivery(store, delivery, agents)
                deliveries.append(delivery)
            _finish(deliveries, json_output, address.display, str(error))
        try:
            for path in packages:
                delivery = hand_off(
                    path,
                    destination,
                    kind,
                    chosen_profile,
                    settings.bagging.processes,
                    lock_folder=catalog.absolute().parent / LOCKS,
                )
                record_delivery(store, delivery, agents)
                deliveries.append(delivery)
        finally:
            destination.close()
    _finish(deliveries, json_output, address.display, None)


def _named_destination(settings: Config, to: str) -> HandoffDestination | None:
    for destination in settings.handoff.destinations:
        if destination.name == to:
            return destination
    return None


def _connection_options(
    kind: str,
    named: HandoffDestination | None,
    identity: Path | None,
    known_hosts: Path | None,
    ask_password: bool,
) -> dict[str, Any]:
    if kind != "sftp":
        if identity or known_hosts or ask_password:
            fail("--identity, --known-hosts and --ask-password are for sftp:// destinations.")
        return {}
    configured = configured_options(named)
    identity = identity or configured["identity"]
    known_hosts = known_hosts or configured["known_hosts"]
    if identity is not None and not identity.is_file():
        fail(f"--identity {identity} is not a file: give an SSH private key file.")
    if known_hosts is not None and not known_hosts.is_file():
        fail(f"--known-hosts {known_hosts} is not a file: give an existing known_hosts file.")
    password = configured["password"]
    if ask_password and password is None:
        password = typer.prompt("SFTP password", hide_input=True)
    return {"identity": identity, "known_hosts": known_hosts, "password": password}


def _finish(
    deliveries: list[Delivery], json_output: bool, destination: str, error: str | None
) -> None:
    ok = all(d.ok for d in deliveries)
    summary = {
        "destination": destination,
        "packages": len(deliveries),
        "delivered": sum(d.outcome == "delivered" for d in deliveries),
        "already_delivered": sum(d.outcome == "already-delivered" for d in deliveries),
        "refused": sum(d.outcome == "refused" for d in deliveries),
        "failed": sum(d.outcome == "failed" for d in deliveries),
        "bytes": sum(d.bytes for d in deliveries),
    }
    if json_output:
        emit_json({"summary": summary, "deliveries": [d.to_dict() for d in deliveries]})
    elif error is not None:
        fail(error, EXIT_FAILED)
    else:
        _print(deliveries, summary)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)


def _print(deliveries: list[Delivery], summary: dict[str, Any]) -> None:
    table = Table(title=f"Hand-off to {escape(summary['destination'])}", title_justify="left")
    for column in ("package", "outcome", "at the destination", "size", "seconds"):
        table.add_column(column, overflow="fold")
    styles = {"delivered": "green", "already-delivered": "dim", "refused": "red", "failed": "red"}
    for d in deliveries:
        table.add_row(
            escape(d.package),
            f"[{styles[d.outcome]}]{d.outcome}[/]",
            escape(d.location),
            filesize.decimal(d.bytes) if d.bytes else "",
            f"{d.seconds:.2f}",
        )
    console.print(table)
    for d in deliveries:  # each refusal or failure as one whole line (--json lists them all)
        if not d.ok:
            error_console.print(
                f"[bold red]{d.outcome}:[/] {escape(d.package)}: {escape(d.reasons[0])}",
                highlight=False,
                soft_wrap=True,
            )
    console.print(
        f"{summary['delivered']} delivered, {summary['already_delivered']} already there, "
        f"{summary['refused']} refused, {summary['failed']} failed.",
        highlight=False,
    )


def audit_copies(
    to: str,
    catalog: Path | None,
    config: Path | None,
    json_output: bool,
    packages: Path | None = None,
) -> None:
    """``preserve audit --destination DEST``: read back every copy the catalog (that of
    ``packages`` unless ``catalog`` is given) says was delivered to DEST, re-hash it,
    compare it with its receipt, and flag a changed one. Exit 0 when every copy is
    intact, 1 otherwise."""
    with user_errors():
        settings = load_config(config)
        named = _named_destination(settings, to)
        address = parse_destination(named.url if named else to)
    catalog = existing_catalog(settings, catalog, packages)
    options = _connection_options(address.kind, named, None, None, False)
    agents = settings.agents
    with user_errors(), Catalog.open(catalog) as store:
        try:
            destination = open_destination(address, **options)
        except DeliveryError as error:
            fail(str(error), EXIT_FAILED)
        try:
            checks = audit_destination(store, destination, agents)
        finally:
            destination.close()
    summary = {
        "destination": address.display,
        "copies": len(checks),
        "intact": sum(c.status == "pass" for c in checks),
        "changed": sum(c.status == "changed" for c in checks),
        "missing": sum(c.status == "missing" for c in checks),
        "unreachable": sum(c.status == "unreachable" for c in checks),
    }
    ok = summary["intact"] == summary["copies"]
    if json_output:
        emit_json({"summary": summary, "copies": [c.to_dict() for c in checks]})
    else:
        table = Table(title=f"Copies at {escape(address.display)}", title_justify="left")
        for column in ("package", "at the destination", "status", "finding"):
            table.add_column(column, overflow="fold")
        for check in checks:
            status = "intact" if check.status == "pass" else f"[red]{check.status}[/]"
            finding = check.problems[0] if check.problems else ""
            if len(check.problems) > 1:
                finding += f" (+{len(check.problems) - 1} more; --json lists them)"
            table.add_row(escape(check.package), escape(check.location), status, escape(finding))
        console.print(table)
        console.print(
            f"{summary['intact']} of {summary['copies']} delivered copies intact; "
            f"{summary['changed']} changed, {summary['missing']} missing.",
            highlight=False,
        )
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)
