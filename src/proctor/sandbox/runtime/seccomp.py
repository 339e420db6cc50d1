"""seccomp-bpf: deny the system calls graded code never needs.

A hand-assembled classic-BPF filter (about 80 instructions, built per child so
it can name the child's own pid). Why not libseccomp: the sandboxed interpreter
runs with ``-I -S`` and only the standard library; the filter is short enough to
audit here. It is a deny-list on top of Landlock and namespaces, not the only wall:

- new processes (fork, vfork, clone without CLONE_THREAD, exec) are refused, so
  fork bombs and escapes through helper binaries fail; threads still work;
- ``clone3`` answers ENOSYS so libc falls back to ``clone``, which we can inspect;
- signals only to the child itself; no ptrace or reading other processes' memory;
- sockets other than AF_UNIX, mounts, namespaces, bpf, keyrings, io_uring,
  kernel modules, reboot, clock changes, System V IPC (shared memory, message
  queues, semaphores) and POSIX message queues are refused with EPERM;
- on x86_64, x32-ABI and foreign-architecture calls kill the process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform

_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_KILL = 0x7FFF0000, 0x80000000
_RET_EPERM = 0x00050000 | errno.EPERM
_RET_ENOSYS = 0x00050000 | errno.ENOSYS
_LD_ABS_W, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16
_CLONE_THREAD = 0x00010000
_AF_UNIX = 1

# name -> number, per architecture. Only names that exist on the arch appear.
_X86_64 = {
    "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "execve": 59, "execveat": 322,
    "kill": 62, "tkill": 200, "tgkill": 234, "ptrace": 101,
    "process_vm_readv": 310, "process_vm_writev": 311, "socket": 41,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272,
    "setns": 308, "bpf": 321, "perf_event_open": 298, "keyctl": 250, "add_key": 248,
    "request_key": 249, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "kexec_load": 246, "kexec_file_load": 320,
    "init_module": 175, "finit_module": 313, "delete_module": 176, "reboot": 169,
    "swapon": 167, "swapoff": 168, "acct": 163, "settimeofday": 164, "clock_settime": 227,
    "adjtimex": 159, "personality": 135, "syslog": 103, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "pidfd_open": 434, "pidfd_getfd": 438,
    "pidfd_send_signal": 424, "process_madvise": 440, "move_mount": 429, "fsopen": 430,
    "fsmount": 432, "open_tree": 428,
    # System V and POSIX message-queue IPC: rollouts must not talk to each other or
    # pin memory outside RLIMIT_AS (POSIX shm and semaphores are files: Landlock).
    "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65,
    "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70,
    "msgctl": 71, "mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242,
    "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
}  # fmt: skip
# aarch64 uses the generic table (no fork/vfork); not exercised by our CI.
_AARCH64 = {
    "clone": 220, "clone3": 435, "execve": 221, "execveat": 281, "kill": 129, "tkill": 130,
    "tgkill": 131, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
    "socket": 198, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
    "unshare": 97, "setns": 268, "bpf": 280, "perf_event_open": 241, "keyctl": 219,
    "add_key": 217, "request_key": 218, "userfaultfd": 282, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104,
    "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
    "reboot": 142, "swapon": 224, "swapoff": 225, "acct": 89, "settimeofday": 170,
    "clock_settime": 112, "adjtimex": 171, "personality": 92, "syslog": 116,
    "open_by_handle_at": 265, "name_to_handle_at": 264, "pidfd_open": 434,
    "pidfd_getfd": 438, "pidfd_send_signal": 424, "process_madvise": 440,
    "move_mount": 429, "fsopen": 430, "fsmount": 432, "open_tree": 428,
    "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182, "mq_timedreceive": 183,
    "mq_notify": 184, "mq_getsetattr": 185, "msgget": 186, "msgctl": 187, "msgrcv": 188,
    "msgsnd": 189, "semget": 190, "semctl": 191, "semtimedop": 192, "semop": 193,
    "shmget": 194, "shmctl": 195, "shmat": 196, "shmdt": 197,
}  # fmt: skip
_ARCHES = {"x86_64": (0xC000003E, _X86_64), "aarch64": (0xC00000B7, _AARCH64)}

# Calls with special handling below; every other name in the table is EPERM.
_SPECIAL = {"clone", "clone3", "kill", "tkill", "tgkill", "socket"}


def supported() -> bool:
    """True when we have a syscall table for this machine."""
    return platform.machine() in _ARCHES


class _Filter(ctypes.Structure):
    _fields_ = (("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32))  # fmt: skip


class _Prog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter)))


def _assemble(pid: int) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) tuples; jumps are relative, resolved here."""
    arch_id, table = _ARCHES[platform.machine()]
    prog: list[tuple[int, str | int, str | int, int]] = []

    def jump_if(op: int, k: int, target: str) -> None:
        prog.append((op, target, 0, k))  # jt -> target, jf -> fall through

    prog.append((_LD_ABS_W, 0, 0, _OFF_ARCH))
    jump_if(_JEQ, arch_id, "arch_ok")
    prog.append((_RET, 0, 0, _RET_KILL))
    labels: dict[str, int] = {"arch_ok": len(prog)}
    prog.append((_LD_ABS_W, 0, 0, _OFF_NR))
    if arch_id == 0xC000003E:
        jump_if(_JGE, 0x40000000, "die")  # x32 ABI
    for name, nr in table.items():
        jump_if(_JEQ, nr, name if name in _SPECIAL else "eperm")
    prog.append((_RET, 0, 0, _RET_ALLOW))

    def block(label: str, *insns: tuple[int, str | int, str | int, int]) -> None:
        labels[label] = len(prog)
        prog.extend(insns)

    # Argument checks first, shared return blocks last: BPF jumps only go forward.
    # clone: threads only.
    block("clone", (_LD_ABS_W, 0, 0, _OFF_ARG0), (_JSET, "allow", "eperm", _CLONE_THREAD))
    # kill/tkill/tgkill: first argument must be our own pid (tkill: our tid == pid,
    # since the child is single-threaded when it signals itself via raise()).
    for name in ("kill", "tkill", "tgkill"):
        block(name, (_LD_ABS_W, 0, 0, _OFF_ARG0), (_JEQ, "allow", "eperm", pid))
    block("socket", (_LD_ABS_W, 0, 0, _OFF_ARG0), (_JEQ, "allow", "eperm", _AF_UNIX))
    block("clone3", (_RET, 0, 0, _RET_ENOSYS))
    block("die", (_RET, 0, 0, _RET_KILL))
    block("eperm", (_RET, 0, 0, _RET_EPERM))
    block("allow", (_RET, 0, 0, _RET_ALLOW))

    resolved = []
    for index, (code, jt, jf, k) in enumerate(prog):
        resolved.append((code, _relative(labels, jt, index), _relative(labels, jf, index), k))
    return resolved


def _relative(labels: dict[str, int], target: str | int, index: int) -> int:
    """A jump target as BPF wants it: instructions to skip, forward only."""
    if isinstance(target, int):
        return target
    offset = labels[target] - index - 1
    if not 0 <= offset <= 255:
        raise ValueError("seccomp filter jump out of range")
    return offset


_PID_PLACEHOLDER = 0x7FFFFFF0  # no real pid; replaced by the child's own


class Prepared:
    """The filter assembled once (in the zygote); a child only writes in its pid."""

    def __init__(self) -> None:
        insns = _assemble(_PID_PLACEHOLDER)
        self.array = (_Filter * len(insns))(*[_Filter(*i) for i in insns])
        self.pid_slots = [i for i, insn in enumerate(insns) if insn[3] == _PID_PLACEHOLDER]


_libc = ctypes.CDLL(None, use_errno=True)


def install(prepared: Prepared | None = None) -> None:
    """Install the filter on the calling process for good. Raises OSError on refusal."""
    prepared = prepared or Prepared()
    pid = os.getpid()
    for slot in prepared.pid_slots:
        prepared.array[slot].k = pid  # our copy of the array: fork copied the memory
    prog = _Prog(len(prepared.array), prepared.array)
    libc = _libc
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(SET_SECCOMP) failed")
