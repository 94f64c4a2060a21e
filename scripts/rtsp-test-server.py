#!/usr/bin/python3
"""A real RTSP server for the tests: GStreamer's gst-rtsp-server serving a live test pattern as
MJPEG over RTP at rtsp://127.0.0.1:PORT/test. Usage: rtsp-test-server.py PORT [WIDTHxHEIGHT] [FPS].
Prints 'ready' once it listens; runs until killed."""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

port = sys.argv[1]
width, height = (sys.argv[2] if len(sys.argv) > 2 else "320x240").split("x")
fps = sys.argv[3] if len(sys.argv) > 3 else "25"

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={fps}/1 "
    f"! videoconvert ! video/x-raw,format=I420 "
    f"! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26 )")
# One pipeline per client: with a shared media, gst-rtsp-server 1.22 (Debian 12) aborts
# (gst_rtsp_media_get_rates: assertion failed) when clients arrive as others leave.
factory.set_shared(False)
server.get_mount_points().add_factory("/test", factory)
if server.attach(None) == 0:
    sys.exit("cannot listen on 127.0.0.1:" + port)
print("ready", flush=True)
GLib.MainLoop().run()
