"""``payload-inspector doctor``: check any codec server the way the Web UI and the CLI use it.

An HTTP client only (it never imports the server), so it checks ours and anyone's alike;
the command and the app's server panel both run :func:`run_checks` and print its checklist.
"""

from inspector.doctor.checks import DEFAULT_ORIGIN, DoctorOptions, DoctorUsageError, run_checks
from inspector.doctor.results import CHECK_NAMES, CheckResult, Status, checklist, failed

__all__ = [
    "CHECK_NAMES",
    "DEFAULT_ORIGIN",
    "CheckResult",
    "DoctorOptions",
    "DoctorUsageError",
    "Status",
    "checklist",
    "failed",
    "run_checks",
]
