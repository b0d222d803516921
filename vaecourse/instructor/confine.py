r"""Confine a student's kernel before it starts: resource limits, no privileges, a Landlock sandbox, then ``exec``.

Run by path, not as ``-m`` (it uses the standard library only, so it starts in milliseconds)::

    python confine.py POLICY.json -- python -m ipykernel_launcher -f CONNECTION_FILE

``POLICY.json`` holds ``{"read": [...], "write": [...], "devices": [...], "limits": {...},
"status_file": PATH, "require": false}``. The steps, each inherited by every thread and child the
kernel will ever have:

1. resource limits (``setrlimit``, hard = soft, so they cannot be raised again): address space
   (memory), CPU seconds, size of any file written, open files; no core dumps;
2. when running as root: every capability dropped from the bounding set, so the limits hold;
3. ``no_new_privs`` and, where the Linux kernel offers Landlock (5.13+), a ruleset that allows
   reading only ``read`` (the Python installation, the ``vaecourse`` package, system libraries),
   full access only to ``write`` (the submission's working directory) and device files under
   ``devices``; from Landlock ABI 4 no TCP connection or listening socket at all, and from ABI 6 no
   signal to any process outside the sandbox (the grader and other students' kernels are safe).

Without Landlock (macOS, older Linux) only steps 1-2 apply; ``status_file`` records what applied.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP = 38, 24
_RULE_PATH_BENEATH = 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE | _IOCTL_DEV  # rights that apply to a file
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2
_LIMITS = {
    "address_space": resource.RLIMIT_AS,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_size": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "processes": resource.RLIMIT_NPROC,
}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock ABI version this Linux kernel offers (0: none, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def _handled_fs(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute ... make_sym
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def _add_rule(libc, ruleset_fd: int, path: str, rights: int) -> bool:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False  # a path that does not exist here needs no rule
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        if libc.syscall(_SYS_ADD_RULE, ruleset_fd, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        return True
    finally:
        os.close(fd)


def apply_landlock(read: list[str], write: list[str], devices: list[str], abi: int) -> dict:
    """Restrict this process (and all it will start) to the given paths; return what was restricted."""
    libc = _libc()
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        attr.handled_access_net, size = _NET_BIND_TCP | _NET_CONNECT_TCP, 16  # no TCP rule: no TCP at all
    if abi >= 6:
        attr.scoped, size = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL, 24
    ruleset_fd = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset_fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    read_rights = _EXECUTE | _READ_FILE | _READ_DIR
    device_rights = read_rights | _WRITE_FILE | (handled & (_TRUNCATE | _IOCTL_DEV))
    allowed = {"read": [], "write": [], "devices": []}
    for paths, rights, key in ((read, read_rights, "read"), (write, handled, "write"), (devices, device_rights, "devices")):
        allowed[key] = [p for p in paths if _add_rule(libc, ruleset_fd, p, rights)]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.syscall(_SYS_RESTRICT_SELF, ruleset_fd, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset_fd)
    return {"landlock_abi": abi, "no_tcp": abi >= 4, "signals_scoped": abi >= 6, **allowed}


def apply_limits(limits: dict) -> dict:
    """Set each named limit (hard = soft); a limit the system refuses is left as it was."""
    applied = {}
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        if value is None:
            continue
        try:
            resource.setrlimit(_LIMITS[name], (int(value), int(value)))
            applied[name] = int(value)
        except (ValueError, OSError):
            pass
    return applied


def drop_capabilities() -> bool:
    """As root, empty the capability bounding set so that no limit can be raised again (True if done)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    for cap in range(64):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # EINVAL: no such cap
            break
    return True


def confine(policy: dict) -> dict:
    """Apply the policy to this process; return a report of what applied (raises if ``require`` fails)."""
    report = {"limits": apply_limits(policy.get("limits", {})), "capabilities_dropped": drop_capabilities()}
    abi = landlock_abi()
    if abi:
        report.update(apply_landlock(policy.get("read", []), policy.get("write", []), policy.get("devices", []), abi))
    else:
        report["landlock_abi"] = 0
        if policy.get("require"):
            raise OSError("Landlock is not available on this system and the policy requires it")
    return report


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: confine.py POLICY.json -- COMMAND...", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        policy = json.load(handle)
    status_file = policy.get("status_file")
    if status_file:  # write before the sandbox closes: the grader's folder is outside it
        status = open(status_file, "w", encoding="utf-8")
    try:
        report = confine(policy)
    except OSError as exc:
        if status_file:
            status.write(json.dumps({"error": str(exc)}))
            status.close()
        return 3
    if status_file:
        status.write(json.dumps(report))
        status.close()
    os.execv(argv[2], argv[2:])
    return 127  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
