"""Capture and recognition: camera frames in, recorded arrivals out (outside the web server)."""
