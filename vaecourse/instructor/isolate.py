"""Give a kernel namespaces of its own (network, process IDs, mounts), a size-capped scratch folder and its own user.

Standard library only: :mod:`~vaecourse.instructor.confine` runs it before the kernel starts.

- **Network namespace**: the kernel sees only a loopback interface that is down, so no TCP or UDP
  packet, and no abstract unix socket, reaches anything outside it (the grader talks to it through
  unix socket *files* in its ``io`` folder, which only its own user can enter).
- **PID namespace**: the kernel is process 1 of its own tree, with its own ``/proc``; it sees no other
  process, and when it ends (or is killed) the Linux kernel kills every process of the tree, so
  nothing a notebook forks outlives its grading.
- **Mount namespace**: the scratch folder is a ``tmpfs`` of ``disk_bytes`` holding a copy of the
  folder's files (a per-submission disk quota that vanishes with the kernel); shared folders (``/tmp``,
  ``/run``, home folders: ``HIDDEN``) are replaced by empty ones that show only what the kernel needs
  (no other program's socket or file there can be reached); every other mount is read-only there, so
  no file outside the scratch and ``io`` folders can change content, mode or times.
- **User**: as root, the kernel runs as a user ID of its own (``UID_BASE`` + the confining process's
  PID: no two kernels share one), with no supplementary groups and no capabilities, so nothing the
  grading user owns (``/etc/shadow``, the grader's files) is readable or changeable by permission;
  folders it cannot enter on the way to the Python installation (e.g. ``/root``) are replaced, in its
  mount namespace only, by a folder that shows just the installation.

Without root, the same namespaces are made inside a user namespace where the Linux kernel allows it.
"""

from __future__ import annotations

import ctypes
import os
import stat
from pathlib import Path

UID_BASE = 1_800_000_000
HIDDEN = ("/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm", "/dev/mqueue", "/home", "/root", "/mnt", "/media", "/srv")
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND = 1, 2, 4, 8, 32, 4096
_MS_NOATIME, _MS_NODIRATIME, _MS_REC, _MS_PRIVATE, _MS_RELATIME = 1024, 2048, 16384, 1 << 18, 1 << 21
_ST_TO_MS = {1: _MS_RDONLY, 2: _MS_NOSUID, 4: _MS_NODEV, 8: _MS_NOEXEC, 1024: _MS_NOATIME, 2048: _MS_NODIRATIME,
             4096: _MS_RELATIME}


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    libc = _libc()
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    enc = (lambda s: s.encode() if s is not None else None)
    _check(libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def unshare(flags: int) -> None:
    _check(_libc().unshare(flags), "unshare")


def enter_namespaces(as_root: bool) -> list[str]:
    """Unshare network, PID and mount namespaces (in a user namespace when not root); the names entered."""
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | (0 if as_root else CLONE_NEWUSER)
    unshare(flags)
    if not as_root:  # map ourselves to ourselves: no new privilege outside
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    return ["network", "pid", "mount"] + ([] if as_root else ["user"])


def _searchable(st: os.stat_result, uid: int) -> bool:
    if uid == 0:
        return True
    bit = 0o100 if st.st_uid == uid else 0o010 if st.st_gid == uid else 0o001
    return bool(st.st_mode & bit)


def _first_blocked(path: Path, uid: int) -> Path | None:
    """The outermost folder on the way to ``path`` (``path`` included) that ``uid`` cannot enter."""
    for folder in [*reversed(path.parents), path]:
        try:
            st = os.stat(folder)
        except OSError:
            return None
        if stat.S_ISDIR(st.st_mode) and not _searchable(st, uid):
            return folder
    return None


def expose(paths: list[str], uid: int, hide: tuple[str, ...] = HIDDEN) -> list[str]:
    """Make each of ``paths`` reachable for ``uid``: a folder it cannot enter on the way, and each folder
    of ``hide`` (shared folders where other programs keep sockets and files), is covered by a tmpfs that
    holds only bind mounts of the paths beneath it. Returns the folders covered."""
    covered = []
    hidden = [Path(h) for h in hide if os.path.isdir(h) and not os.path.islink(h)]
    for round_ in range(8):  # nested blocked folders are handled one level per round
        blocked: dict[Path, list[Path]] = {h: [] for h in hidden} if round_ == 0 else {}
        for path in map(Path, paths):
            folder = next((h for h in blocked if h in path.parents), None) if round_ == 0 else None
            folder = folder or _first_blocked(path, uid)
            if folder is not None and folder != path:
                blocked.setdefault(folder, []).append(path)
        blocked = {f: ps for f, ps in blocked.items() if not any(o in f.parents for o in blocked)}
        if not blocked:
            break
        for folder, inside in blocked.items():
            fds = {p: os.open(p, os.O_PATH | os.O_CLOEXEC) for p in inside if os.path.exists(p)}
            mount("tmpfs", str(folder), "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
            bound: list[Path] = []
            for path, fd in sorted(fds.items(), key=lambda item: len(str(item[0]))):
                if any(b == path or b in path.parents for b in bound):  # already shown by an outer bind
                    os.close(fd)
                    continue
                bound.append(path)
                target = folder / path.relative_to(folder)
                if os.path.isdir(f"/proc/self/fd/{fd}"):
                    target.mkdir(parents=True, exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.touch()
                mount(f"/proc/self/fd/{fd}", str(target), None, _MS_BIND | _MS_REC)
                os.close(fd)
            covered.append(str(folder))
    return covered


def scratch_tmpfs(folder: str, size: int, uid: int, gid: int) -> None:
    """Replace ``folder`` (in this mount namespace) by a tmpfs of ``size`` bytes holding a copy of its files."""
    files = {}
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and entry.stat().st_size <= size:
            with open(entry.path, "rb") as handle:
                files[entry.name] = handle.read()
        elif entry.is_dir(follow_symlinks=False):
            files[entry.name] = None
    mount("tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={int(size)},mode=0700,uid={uid},gid={gid}")
    for name, data in files.items():
        path = os.path.join(folder, name)
        if data is None:
            os.mkdir(path, 0o700)
        else:
            with open(path, "wb") as handle:
                handle.write(data)
        os.chown(path, uid, gid)


def _mount_points() -> list[str]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].encode().decode("unicode_escape")
        points.append(point)
    return points


def read_only_except(writable: list[str]) -> list[str]:
    """Remount every mount read-only in this namespace, except ``writable`` folders (bound onto themselves)
    and /proc, /dev and /sys; return the mount points that stayed writable because remounting failed."""
    for folder in writable:
        mount(folder, folder, None, _MS_BIND | _MS_REC)
    keep = tuple(writable) + ("/proc", "/dev", "/sys")
    failed = []
    for point in sorted(set(_mount_points()), key=len):
        if any(point == k or point.startswith(k.rstrip("/") + "/") for k in keep):
            continue
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue
        if flags & 1:
            continue
        extra = sum(ms for st, ms in _ST_TO_MS.items() if flags & st)
        try:
            mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | extra)
        except OSError:
            failed.append(point)
    return failed


def new_proc() -> None:
    """Mount a /proc that shows only this PID namespace's processes."""
    mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)


def make_private() -> None:
    mount(None, "/", None, _MS_REC | _MS_PRIVATE)


def become(uid: int, gid: int) -> None:
    """Switch to ``uid``/``gid`` with no supplementary groups (as root; every capability goes with it)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
