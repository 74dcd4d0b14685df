"""TLS configuration: one cached ``SSLContext`` per configuration.

Building a context and loading a trust store costs milliseconds, so it is done once per
distinct ``(verify, cert, environment)`` and shared, as long as the files it was built from
are unchanged: the cache checks each file's identity, size and modification time when a
transport first needs its context, and builds a new one when
any changed. A CA removed from a bundle is no longer trusted by the next client made, and one
added is. ``ssl`` itself is imported only here and only when the first https request needs
it, which keeps ``import restwell`` fast.

Trust, in order: an explicit ``verify=`` path or ``SSLContext``; ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` when ``trust_env`` is on; the system store; certifi's bundle when the system
has no CA certificates at all. ``verify=False`` is honoured only for the client it was given
to: each client owns its transport and pool, so an unverified connection is never handed to
another client (CVE-2024-35195). ``verify="system"``: the OS trust store (``_system_trust``).
"""

from __future__ import annotations

import os
import threading
import typing

from .._models._exceptions import TLSError

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

__all__ = ["VerifyTypes", "CertTypes", "ssl_context"]


VerifyTypes = typing.Union[bool, str, "ssl.SSLContext"]
CertTypes = typing.Union[str, typing.Tuple[str, str], typing.Tuple[str, str, str], None]
# (verify, cert, env) -> (the stamp of its files, the context built from them)
_cache: dict[tuple[object, ...], tuple[tuple[object, ...], ssl.SSLContext]] = {}
_lock = threading.Lock()


def ssl_context(verify: VerifyTypes, cert: CertTypes, trust_env: bool) -> ssl.SSLContext:
    import ssl

    if isinstance(verify, ssl.SSLContext):
        return verify
    env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")) if trust_env else ()
    key = (verify, cert, env)
    stamp = _stamp(_files(verify, cert, env))
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        try:
            context = _build(verify, cert, env)
        except (OSError, ssl.SSLError) as exc:
            raise TLSError(
                f"cannot set up TLS with verify={verify!r}, cert={cert!r}: {exc}; "
                "check that the CA bundle and certificate files exist and are PEM"
            ) from None
        _cache[key] = (stamp, context)
    return context


def _files(verify: bool | str, cert: CertTypes, env: tuple[str | None, ...]) -> list[str]:
    """Every file or directory a context of this configuration is built from."""
    import ssl

    files = [verify] if isinstance(verify, str) else []
    if isinstance(cert, str):
        files.append(cert)
    elif cert is not None:
        files.extend(cert[:2])
    if verify is True:
        found = [path for path in env if path]
        if not found:
            paths = ssl.get_default_verify_paths()
            found = [paths.openssl_cafile, paths.openssl_capath]
        files.extend(found)
    return files


def _stamp(paths: list[str]) -> tuple[object, ...]:
    """What identifies the content of these files now: each one's device, inode, size and
    modification time (None for a path that is missing). A CA directory's own time changes
    as certificates are added or removed; OpenSSL reads its files as it looks them up."""
    stamp: list[object] = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            stamp.append(None)
            continue
        stamp.append((info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(stamp)


def _build(verify: bool | str, cert: CertTypes, env: tuple[str | None, ...]) -> ssl.SSLContext:
    import ssl

    from . import _system_trust as system

    context = system.os_verifier_context() if verify == "system" and system.OS_VERIFIER \
        else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    if hasattr(ssl, "OP_IGNORE_UNEXPECTED_EOF"):
        # An EOF without close_notify must still end a body only where framing allows;
        # our parser decides that, so the ssl layer reports it as a plain EOF.
        context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        _load_trust(context, verify, env)
        # RFC 9525 §6.3: the host is matched against the subjectAltName only, never the
        # subject's CN (urllib3 2 refuses CN-only certificates too).
        context.hostname_checks_common_name = False
    if cert is not None:
        if isinstance(cert, str):
            context.load_cert_chain(cert)
        else:
            context.load_cert_chain(*cert)
    return context


def _load_trust(context: ssl.SSLContext, verify: bool | str, env: tuple[str | None, ...]) -> None:
    import ssl

    if verify == "system":  # (on an OS verifier, truststore's context needs no store)
        from . import _system_trust as system

        if not system.OS_VERIFIER:
            system.load_system_store(context, env)
        return
    if isinstance(verify, str):
        if os.path.isdir(verify):
            context.load_verify_locations(capath=verify)
        else:
            context.load_verify_locations(cafile=verify)
        return
    cafile, capath = env if env else (None, None)
    if cafile or capath:
        context.load_verify_locations(cafile=cafile or None, capath=capath or None)
        return
    # OpenSSL's compiled-in paths, named explicitly: set_default_verify_paths() would read
    # SSL_CERT_FILE behind our back even when trust_env is off.
    paths = ssl.get_default_verify_paths()
    system_file = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    system_dir = paths.openssl_capath if _has_certs(paths.openssl_capath) else None
    if system_file or system_dir:
        context.load_verify_locations(cafile=system_file, capath=system_dir)
    else:
        import certifi

        context.load_verify_locations(cafile=certifi.where())


def _has_certs(capath: str) -> bool:
    try:
        return any(name.endswith(".0") for name in os.listdir(capath))
    except OSError:
        return False
