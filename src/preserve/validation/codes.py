"""Every problem code the validator reports, with what it means. Codes are stable.

Severity: *error* makes a bag invalid; *warning* is valid but worth a look; *notice* is
information. Where BagIt 1.0 forbids what drafts 0.93-0.97 allowed, the same code is an
error for 1.0 bags and a warning (or notice) for older ones.

>>> CODES["checksum-mismatch"]
'A file does not match its manifest checksum (facts: algorithm, expected, found, manifest).'
>>> all(code == code.lower() and " " not in code for code in CODES)
True
"""

from __future__ import annotations

CODES: dict[str, str] = {
    # the bag folder
    "bag-not-found": "The path does not exist.",
    "bag-not-a-folder": "The path is a file; validate_path opens archives.",
    "bag-unreadable": "The bag folder cannot be read.",
    "payload-folder-missing": "There is no data/ folder.",
    "symlink": "A symbolic link in the bag; never followed (facts: target).",
    "special-file": "A FIFO, socket or device in the bag; never opened (facts: kind).",
    "unreadable": "A file or folder could not be read (facts: reason).",
    "internal-error": "A bug in preserve: the validator failed; the report says what it found.",
    # bagit.txt
    "bagit-txt-missing": "There is no bagit.txt: not a bag, or not its top folder.",
    "bagit-txt-malformed": "bagit.txt is not exactly 'BagIt-Version: M.N' then "
    "'Tag-File-Character-Encoding: ENC' (facts: line, found).",
    "bagit-txt-bom": "bagit.txt starts with a byte-order mark.",
    "bagit-txt-not-utf8": "bagit.txt is not UTF-8.",
    "bagit-version-unsupported": "A BagIt version other than 0.93-0.97 or 1.0.",
    # tag files in general
    "tag-file-encoding-unknown": "The declared tag-file encoding is not a text encoding.",
    "tag-file-not-decodable": "A tag-file line has bytes the declared encoding cannot read "
    "(facts: line, encoding).",
    "tag-file-bom": "A tag file starts with a BOM its encoding does not need (error for UTF-8 "
    "in 1.0).",
    "tag-file-line-too-long": "A tag-file line over 1 Mi characters; skipped (facts: line).",
    "tag-file-not-in-tag-manifest": "A tag file no tag manifest protects (notice).",
    # manifests
    "payload-manifest-missing": "The bag has no manifest-<algorithm>.txt.",
    "no-supported-manifest": "No payload manifest uses a known algorithm: nothing can be verified.",
    "unknown-algorithm": "A manifest's algorithm is unknown; completeness is still checked.",
    "manifest-name-not-normalized": "A manifest name's algorithm is not lowercase alphanumerics.",
    "manifest-line-malformed": "A manifest line is not 'checksum path' (facts: line, found).",
    "manifest-blank-line": "A blank manifest line (notice).",
    "checksum-malformed": "A manifest checksum is not hex of the algorithm's length.",
    "manifest-binary-marker": "An md5sum '*' binary marker before a path; read without it.",
    "manifest-path-outside-payload": "A payload manifest names a file outside data/.",
    "manifest-duplicate-entry": "A manifest lists one file twice (error in 1.0, warning before).",
    "manifest-duplicate-entry-conflict": "A manifest lists one file twice with different "
    "checksums (facts: first, again).",
    "manifest-entry-missing-file": "A manifest lists a file that is not in the bag "
    "(facts: manifest, differs_only_in_case_from).",
    "manifest-lists-folder": "A manifest lists a folder.",
    "tag-manifest-lists-payload": "A tag manifest lists a payload file.",
    "tag-manifest-lists-tag-manifest": "A tag manifest lists a tag manifest (error in 1.0).",
    "tag-manifest-incomplete": "A tag manifest does not list every payload manifest "
    "(error in 1.0).",
    "tag-manifest-algorithm-unmatched": "A tag manifest algorithm with no payload manifest "
    "(notice).",
    "file-not-in-manifest": "A payload file that no payload manifest lists.",
    "file-not-in-every-manifest": "A payload file missing from some payload manifests "
    "(error in 1.0, notice before; facts: manifests).",
    "checksum-mismatch": "A file does not match its manifest checksum (facts: algorithm, "
    "expected, found, manifest).",
    # names
    "unsafe-path": "A manifest or fetch.txt path that could leave the bag (.., absolute, ~, "
    "drive letter, NUL); never looked at (facts: reason).",
    "percent-not-encoded": "A manifest name holds a literal %25, %0A or %0D and only that "
    "spelling exists on disk (bagit-python writes % unencoded); matched as written (error in "
    "1.0, warning before; facts: decoded).",
    "path-leading-dot-slash": "A path starts with ./ (read without it).",
    "path-not-normalized": "A path has empty or . components (read without them).",
    "path-backslash": "A path contains a backslash; BagIt's separator is /.",
    "normalization-mismatch": "A manifest name matches a file only after Unicode "
    "normalization (NFC/NFD), e.g. a macOS manifest on Linux (facts: on_disk).",
    "normalization-collision": "A manifest lists two names that differ only in Unicode "
    "normalization.",
    "case-collision": "Two names differ only in case: one file on macOS or Windows.",
    "system-file": "Operating-system clutter in the payload (.DS_Store, Thumbs.db...).",
    "file-name-not-utf8": "A file name on disk is not valid UTF-8 (bytes shown as \\xNN).",
    "file-name-encoding": "A manifest in a non-UTF-8 tag encoding names a file whose name on "
    "disk has the same bytes; matched by bytes.",
    "file-name-whitespace": "A file name starts or ends with whitespace (notice).",
    # bag-info.txt
    "bag-info-line-malformed": "A bag-info line is not 'Label: value' (1.0: whitespace "
    "around the colon too).",
    "bag-info-blank-line": "A blank bag-info line.",
    "bag-info-repeated": "Bagging-Date, Bag-Size, Bag-Group-Identifier or Bag-Count appears "
    "more than once (facts: label).",
    "bag-count-malformed": "Bag-Count is not 'N of T'.",
    "bag-info-too-large": "bag-info.txt over 16 MiB; not read.",
    "payload-oxum-malformed": "Payload-Oxum is not 'OctetCount.StreamCount'.",
    "payload-oxum-repeated": "Payload-Oxum appears more than once.",
    "payload-oxum-mismatch": "The payload's bytes or file count differ from Payload-Oxum "
    "(facts: expected_bytes, found_bytes, expected_files, found_files).",
    "payload-oxum-missing": "--fast without a Payload-Oxum (warning).",
    # fetch.txt
    "fetch-line-malformed": "A fetch.txt line is not 'url length path'.",
    "fetch-blank-line": "A blank fetch.txt line (notice).",
    "fetch-url-invalid": "A fetch.txt URL is not absolute.",
    "fetch-length-invalid": "A fetch.txt length is neither '-' nor a number.",
    "fetch-lists-tag-file": "fetch.txt names a file outside data/.",
    "fetch-duplicate-entry": "fetch.txt lists one path twice.",
    "fetch-entry-not-in-manifest": "A fetch.txt path missing from a payload manifest.",
    "fetch-file-not-present": "A file listed in fetch.txt is not fetched yet: the bag is "
    "incomplete; preserve never fetches (notice).",
    "fetch-length-mismatch": "A fetched file's size differs from its fetch.txt length.",
    # serialized bags
    "archive-unreadable": "The archive cannot be unpacked (too large, not an archive, no room).",
    "archive-truncated": "The archive is cut short (a missing end, a gzip trailer, a zip's "
    "table of contents): it cannot be a valid bag.",
    "archive-corrupt": "The archive's bytes are damaged (a checksum of the compression, a "
    "header that is not a header): it cannot be a valid bag.",
    "archive-unsafe-member": "An archive member would land outside the scratch folder.",
    "archive-link-member": "A symbolic or hard link in the archive; not unpacked.",
    "archive-special-member": "A device, FIFO or other special member; not unpacked.",
    "archive-encrypted-member": "An encrypted zip member; not unpacked.",
    "archive-duplicate-member": "The archive holds one name twice.",
    "archive-layout": "The archive does not hold exactly one top-level folder.",
    "archive-name-differs": "The archive and its bag folder have different names (notice).",
}
