"""Serving phones on the LAN: addresses, a QR code of the URL, a self-signed certificate.

The camera and the service worker only work in a secure context, so a phone on the LAN needs
HTTPS; localhost is secure on its own."""
import datetime
import ipaddress
import socket
from pathlib import Path

import click
import segno
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def lan_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (no packet is sent to find them)."""
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    return sorted(a for a in found if not ipaddress.ip_address(a).is_loopback)


def print_addresses(host: str, port: int, https: bool) -> None:
    scheme = "https" if https else "http"
    if host in ("0.0.0.0", "::"):
        click.echo(f"Serving on {scheme}://127.0.0.1:{port}/ and on the LAN:")
        for address in lan_addresses():
            url = f"{scheme}://{address}:{port}/"
            click.echo(f"  {url}")
            segno.make(url, error="m").terminal(compact=True)
    else:
        click.echo(f"Serving on {scheme}://{host}:{port}/")


def write_self_signed_cert(cert_path: Path, key_path: Path, addresses: list[str]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Checkpoint local")])
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    sans += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_lan_cert(instance: Path, force: bool = False) -> bool:
    """instance/tls-cert.pem and tls-key.pem for this machine's addresses; True when written."""
    cert, key = instance / "tls-cert.pem", instance / "tls-key.pem"
    if cert.exists() and key.exists() and not force:
        return False
    write_self_signed_cert(cert, key, lan_addresses())
    return True
