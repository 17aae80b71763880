"""The channels: each turns a Message into one request of its service."""
