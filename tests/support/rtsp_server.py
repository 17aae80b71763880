"""A loopback RTSP camera for tests: GStreamer's RTSP server streaming looping MPEG-TS clips.

Run with the SYSTEM interpreter (python3-gi is a Debian package, not in the venv):

    /usr/bin/python3 tests/support/rtsp_server.py --port 0 --path /gate=gate.ts [--tcp-only]

Prints `READY <port>` on stdout once listening; exits 0 on SIGTERM or SIGINT (and, with
--exit-with-stdin, when stdin closes because the parent died).
The stream is copied, not re-encoded (about 1% CPU per reader); see ../shared/RTSP.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

HOST = "127.0.0.1"
PIPELINE = (
    "( multifilesrc location={location} loop=true ! tsdemux ! h264parse name=parse "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options: port, one or more path=clip mounts, TCP-only transport."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS pick a free port")
    parser.add_argument(
        "--path",
        action="append",
        required=True,
        metavar="/NAME=FILE.ts",
        help="mount an MPEG-TS clip (repeatable)",
    )
    parser.add_argument("--tcp-only", action="store_true", help="refuse RTP over UDP")
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="quit when stdin closes (the parent test process died): no orphan servers",
    )
    args = parser.parse_args(argv)
    args.mounts = [parse_mount(spec, parser) for spec in args.path]
    return args


def parse_mount(spec: str, parser: argparse.ArgumentParser) -> tuple[str, Path]:
    """'/gate=clip.ts' -> ('/gate', Path('clip.ts')), refusing bad paths and missing files."""
    mount, sep, file = spec.partition("=")
    if not sep or not mount.startswith("/") or not file:
        parser.error(f"--path {spec!r}: expected /NAME=FILE.ts")
    clip = Path(file).resolve()
    if not clip.is_file():
        parser.error(f"--path {spec!r}: no such file {clip}")
    return mount, clip


def refuse_seeking(pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
    """Answer SEEKING queries ourselves (left at not seekable): tsdemux claims it can seek,
    and the server's seek for PLAY 'Range: npt=0-' fails on the looping source with 503."""
    query = info.get_query()
    if query is not None and query.type == Gst.QueryType.SEEKING:
        return Gst.PadProbeReturn.HANDLED
    return Gst.PadProbeReturn.OK


def on_media_configure(_factory: GstRtspServer.RTSPMediaFactory, media) -> None:
    """Install the SEEKING probe so PLAY 'Range: npt=0-' does not end in 503."""
    parse = media.get_element().get_by_name("parse")
    if parse is not None:
        pad = parse.get_static_pad("src")
        pad.add_probe(Gst.PadProbeType.QUERY_UPSTREAM, refuse_seeking)


def make_factory(
    clip: Path, pool: GstRtspServer.RTSPAddressPool, tcp_only: bool
) -> GstRtspServer.RTSPMediaFactory:
    """A shared factory streaming `clip` in a loop."""
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE.format(location=str(clip)))
    factory.set_shared(True)
    factory.set_address_pool(pool)
    if tcp_only:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    factory.connect("media-configure", on_media_configure)
    return factory


def loopback_pool() -> GstRtspServer.RTSPAddressPool:
    """RTP/RTCP UDP ports on 127.0.0.1 only (the default binds every interface)."""
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range(HOST, HOST, 30000, 60000, 0)
    return pool


def serve(args: argparse.Namespace) -> int:
    """Attach the server, print READY, run until SIGTERM/SIGINT."""
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(HOST)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    pool = loopback_pool()
    for mount, clip in args.mounts:
        mounts.add_factory(mount, make_factory(clip, pool, args.tcp_only))
    if server.attach(None) == 0:
        print(f"cannot listen on {HOST}:{args.port}", file=sys.stderr, flush=True)
        return 2
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, _quit, loop)
    if args.exit_with_stdin:
        watch = GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR
        GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT, watch, _stdin_closed, loop)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


def _quit(loop: GLib.MainLoop) -> bool:
    loop.quit()
    return GLib.SOURCE_REMOVE


def _stdin_closed(fd: int, _condition: GLib.IOCondition, loop: GLib.MainLoop) -> bool:
    if os.read(fd, 4096):
        return GLib.SOURCE_CONTINUE
    loop.quit()
    return GLib.SOURCE_REMOVE


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return serve(parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
