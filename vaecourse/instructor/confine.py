r"""Confine a student's kernel before it starts: quotas, namespaces, its own user, resource limits, Landlock, then ``exec``.

Run by path, not as ``-m`` (it uses the standard library only, so it starts in milliseconds)::

    python confine.py POLICY.json -- python -m ipykernel_launcher -f CONNECTION_FILE

``POLICY.json`` holds ``{"read": [...], "write": [...], "devices": [...], "deny": [...], "limits": {...},
"isolate": {...}, "status_file": PATH, "require": false}``. The steps, each inherited by every thread
and child the kernel will ever have:

1. a control group of its own with a memory and a process-count quota for the whole submission
   (:mod:`quota`);
2. network, PID and mount namespaces, a tmpfs scratch folder of ``disk_bytes``, every other mount
   read-only, and, as root, a user ID of its own with no capabilities (:mod:`isolate`); the kernel is
   process 1 of its PID namespace, so all its processes die with it;
3. resource limits (``setrlimit``, hard = soft, so they cannot be raised again): address space
   (memory), CPU seconds, size of any file written, open files; no core dumps;
4. every capability dropped from the bounding set;
5. ``no_new_privs`` and, where the Linux kernel offers Landlock (5.13+), a ruleset that allows
   reading only ``read`` (the Python installation, the ``vaecourse`` package) minus ``deny`` (the
   exercise bank's references, the instructor's files), full access only to ``write`` (the scratch
   and ``io`` folders) and device files under ``devices``; from Landlock ABI 4 no TCP connection or
   listening socket at all, and from ABI 6 no signal to any process outside the sandbox.

What the machine lacks is skipped and named in the ``status_file`` report (``not_enforced``); with
``require``, a missing mechanism stops the kernel instead.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # its siblings, loaded by path like this file
import isolate  # noqa: E402
import quota  # noqa: E402

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


def carve(paths: list[str], deny: list[str]) -> tuple[list[str], list[str]]:
    """Split ``paths`` around ``deny``: (paths to allow in full, folders on the way to a denied path).

    Landlock only adds rights, so a denied folder inside an allowed one is left out by allowing each
    of its siblings instead, down the way to it; the folders on the way may still be listed.
    """
    deny = [os.path.realpath(d) for d in deny]
    full, listed = [], []
    stack = [os.path.realpath(p) for p in paths]
    while stack:
        path = stack.pop()
        if any(path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in deny):
            continue
        if not any(d.startswith(path.rstrip(os.sep) + os.sep) for d in deny):
            full.append(path)
            continue
        listed.append(path)
        try:
            stack.extend(os.path.join(path, name) for name in os.listdir(path))
        except OSError:
            pass
    return full, listed


def apply_landlock(read: list[str], write: list[str], devices: list[str], abi: int, deny: list[str] = ()) -> dict:
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
    read, listed = carve(read, deny)
    write, _ = carve(write, deny)
    for paths, rights, key in ((read, read_rights, "read"), (write, handled, "write"), (devices, device_rights, "devices")):
        allowed[key] = [p for p in paths if _add_rule(libc, ruleset_fd, p, rights)]
    allowed["listed_only"] = [p for p in listed if _add_rule(libc, ruleset_fd, p, _READ_DIR | _EXECUTE)]
    allowed["denied"] = sorted(deny)
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


def _isolate(policy: dict, report: dict) -> int | None:
    """Quotas, namespaces, scratch tmpfs, read-only mounts and a user of its own; returns the child's PID
    in the parent (which then only waits), None in the process that goes on to become the kernel."""
    settings = policy.get("isolate") or {}
    as_root = os.geteuid() == 0
    missing = report.setdefault("not_enforced", [])
    if not sys.platform.startswith("linux") or not settings:
        missing += ["namespaces", "per-submission quotas", "own user"] if settings else []
        return None
    groups, enforced = quota.create(f"{quota.PREFIX}{os.getpid()}", settings["memory_bytes"], settings["processes"])
    report["cgroup"] = {"groups": groups, "enforced": enforced}
    missing += [f"{name} quota per submission" for name in ("memory", "processes") if name not in enforced]
    try:
        report["namespaces"] = isolate.enter_namespaces(as_root)
    except OSError as exc:
        report["namespaces"] = []
        missing += ["network namespace", "PID namespace", "mount namespace", "disk quota", "read-only files",
                    "own user" if as_root else "own user (the grader is not root)"]
        report["namespace_error"] = str(exc)
        return None
    host_pid = os.getpid()  # unique while this process lives: so is the kernel's user ID
    child = os.fork()  # the child is process 1 of the new PID namespace
    if child:
        return child
    isolate.make_private()
    isolate.new_proc()
    uid = isolate.UID_BASE + host_pid if as_root else os.getuid()
    gid = uid if as_root else os.getgid()
    writable = [settings["io"]]
    for folder in writable:
        os.chown(folder, uid, gid)
        os.chmod(folder, 0o700)
        for name in os.listdir(folder):
            os.chown(os.path.join(folder, name), uid, gid)
    isolate.scratch_tmpfs(settings["scratch"], settings["disk_bytes"], uid, gid)
    os.chdir(settings["scratch"])  # the kernel's folder is now the tmpfs, not the folder beneath it
    report["disk_quota"] = settings["disk_bytes"]
    report["covered"] = isolate.expose([*settings["expose"], settings["scratch"], *writable], uid)
    failed = isolate.read_only_except([settings["scratch"], *writable])
    report["read_only"] = not failed
    if failed:
        missing.append("read-only files (" + ", ".join(failed[:3]) + ")")
    if as_root:
        report["uid"] = uid
    else:
        missing.append("own user (the grader is not root)")
    return None


def confine(policy: dict) -> dict:
    """Apply the policy to this process; return a report of what applied (raises if ``require`` fails)."""
    report = {"limits": apply_limits(policy.get("limits", {})), "capabilities_dropped": drop_capabilities() or os.geteuid() != 0}
    abi = landlock_abi()
    if abi:
        report.update(apply_landlock(policy.get("read", []), policy.get("write", []), policy.get("devices", []), abi,
                                     policy.get("deny", [])))
    else:
        report["landlock_abi"] = 0
        report.setdefault("not_enforced", []).append("Landlock (file and TCP rules)")
        if policy.get("require"):
            raise OSError("Landlock is not available on this system and the policy requires it")
    return report


def _wait_for(child: int) -> int:
    """The parent's whole job: ignore interrupts (they are the kernel's) and exit as the kernel does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            return os.waitstatus_to_exitcode(status) % 256
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


_PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: confine.py POLICY.json -- COMMAND...", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        policy = json.load(handle)
    if sys.platform.startswith("linux"):  # the kernel never outlives the grader process that started it
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    status_file = policy.get("status_file")
    if status_file:  # opened before the sandbox closes: the grader's folder is outside it
        status = open(status_file, "w", encoding="utf-8")
    report: dict = {}
    try:
        child = _isolate(policy, report)
        if child:
            if status_file:
                status.close()
            return _wait_for(child)
        uid = report.get("uid")
        if uid is not None:  # a user of its own: a process-count limit per user is one per submission
            policy.setdefault("limits", {})["processes"] = (policy.get("isolate") or {}).get("processes")
            report["capabilities_dropped"] = drop_capabilities()  # the bounding set, while still root
            isolate.become(uid, uid)
            _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # cleared by the change of user
        report.update(confine(policy))
        if policy.get("require") and not report.get("namespaces"):
            raise OSError("the policy requires confinement; not enforced here: " + ", ".join(report["not_enforced"]))
    except OSError as exc:
        if status_file:
            status.write(json.dumps({"error": str(exc), **report}))
            status.close()
        return 3
    if status_file:
        status.write(json.dumps(report))
        status.close()
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    os.execve(argv[2], argv[2:], env)
    return 127  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
