from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.seal import ANCHOR, HEAD, read_seals, seal_key, seal_path
from privacy.verify import verify_access_log


class Command(BaseCommand):
    help = (
        "Check the access log's hash chain, recomputed in Python, and against the last seal; "
        "fails when a row was removed or altered, or the log was rewritten after a seal."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        key = seal_key()
        seals, problems = read_seals(key) if key else ([], [])
        sealing = key is not None and seal_path() is not None
        result = verify_access_log(
            seals=[seal.head() for seal in seals if seal.kind == HEAD],
            sealed_anchors=[seal.head() for seal in seals if seal.kind == ANCHOR] if sealing else None,
        )
        for problem in problems:
            self.stderr.write(problem)
        for item in result.breaks:
            self.stderr.write(f"seq {item.seq}: {item.problem}" if item.seq else item.problem)
        if problems or not result.ok:
            raise CommandError(f"The access log is NOT intact: {len(result.breaks) + len(problems)} problem(s).")
        if key is None or seal_path() is None:
            self.stderr.write(
                "No seal key or seal directory configured: only the chain's own consistency was checked, "
                "which a database superuser can recompute (set WIJKTEAM_LOG_SEAL_KEY and WIJKTEAM_LOG_SEAL_DIR)."
            )
        if result.rows == 0 and result.pending == 0 and result.anchor is None:
            sealed = "" if result.last_seal is None else f" It was last sealed empty at {result.last_seal.sealed_at}."
            self.stdout.write(
                "The access log is empty, and nothing shows it ever held rows "
                f"(no seal names one, its id sequence is unused).{sealed}"
            )
            return
        if result.last_seal is None:
            seal_text = "never sealed: rows are protected by the chain only"
        else:
            seal_text = (
                f"matches the last seal (seq {result.last_seal.head_seq}, {result.last_seal.sealed_at}); "
                f"{(result.head_seq or 0) - result.last_seal.head_seq} rows since"
            )
        tail = (
            f" {result.pending} rows appended since wait for the sequencer, each whole."
            if result.pending
            else " No rows wait for the sequencer."
        )
        start = (
            f" It starts after the anchor at seq {result.anchor.head_seq} (rows before it were removed by retention)."
            if result.anchor
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(f"The access log is intact: {result.rows} chained rows; head seq {result.head_seq}, ")
            + f"hash {result.head_hash}; {seal_text}.{tail}{start}"
        )
