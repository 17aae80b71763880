import numpy as np

from vision.geometry import Box, crop_with_margin, iou
from vision.tracker import FaceTracker


def box_at(x: int, y: int, size: int = 100) -> Box:
    return Box(y, x + size, y + size, x)


def test_a_face_moving_a_little_keeps_its_track():
    tracker = FaceTracker(iou_threshold=0.2, lost_after_s=3)
    first = tracker.update([box_at(100, 100)], at=0.0)
    assert len(first.started) == 1
    for step in range(1, 20):
        update = tracker.update([box_at(100 + 10 * step, 100)], at=step * 0.2)
        assert not update.started and not update.ended
    assert list(tracker.tracks) == [first.started[0].id]
    assert tracker.tracks[first.started[0].id].hits == 20


def test_a_step_without_overlap_is_still_the_same_face_by_centre_distance():
    tracker = FaceTracker(iou_threshold=0.2, lost_after_s=3)
    tracker.update([box_at(100, 100)], at=0.0)
    moved = box_at(170, 100)  # IoU 0.18 < threshold, centre moved 0.7 face widths
    assert iou(box_at(100, 100), moved) < 0.2
    update = tracker.update([moved], at=0.2)
    assert not update.started
    assert len(tracker.tracks) == 1


def test_a_far_away_face_starts_a_new_track():
    tracker = FaceTracker()
    tracker.update([box_at(100, 100)], at=0.0)
    update = tracker.update([box_at(600, 100)], at=0.2)
    assert len(update.started) == 1
    assert len(tracker.tracks) == 2


def test_two_faces_side_by_side_get_two_tracks_that_follow_them():
    tracker = FaceTracker()
    start = tracker.update([box_at(100, 100), box_at(400, 100)], at=0.0)
    left, right = start.started
    update = tracker.update([box_at(410, 105), box_at(110, 95)], at=0.2)
    assert not update.started
    assert tracker.tracks[left.id].box == box_at(110, 95)
    assert tracker.tracks[right.id].box == box_at(410, 105)


def test_a_track_ends_when_unseen_for_track_lost_s():
    tracker = FaceTracker(lost_after_s=3.0)
    track = tracker.update([box_at(100, 100)], at=10.0).started[0]
    assert tracker.update([], at=12.9).ended == []
    update = tracker.update([], at=13.0)
    assert update.ended == [track]
    assert tracker.tracks == {}
    again = tracker.update([box_at(100, 100)], at=13.2)
    assert again.started and again.started[0].id != track.id


def test_end_all_returns_every_live_track():
    tracker = FaceTracker()
    tracker.update([box_at(100, 100), box_at(400, 100)], at=0.0)
    assert len(tracker.end_all()) == 2
    assert tracker.tracks == {}


def test_snapshot_crop_keeps_a_margin_and_stays_inside_the_frame():
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    crop = crop_with_margin(image, Box(10, 60, 50, 20), margin=0.5)
    assert crop.shape[:2] == (70, 80)  # top clipped at 0, 20 px margin elsewhere
