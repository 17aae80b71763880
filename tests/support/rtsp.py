"""RTSP camera fixtures (filled in by the capture-pipeline work)."""
