import threading
import warnings

import cv2
import numpy as np

from vision.detect import HogFaceDetector
from vision.geometry import iou

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models uses pkg_resources
    import face_recognition


def test_downscaled_detection_maps_boxes_back_to_full_resolution(frame_720p):
    small = HogFaceDetector(scale_width=640, upsample=1).detect(frame_720p)
    full = HogFaceDetector(scale_width=1280, upsample=0).detect(frame_720p)
    assert len(small) == 1 and len(full) == 1
    assert iou(small[0], full[0]) > 0.7
    assert small[0].width > 150  # full-resolution pixels, not the 640-wide copy's


def test_faces_below_min_face_px_are_dropped(frame_720p):
    face = HogFaceDetector(min_face_px=40).detect(frame_720p)[0]
    assert HogFaceDetector(min_face_px=face.width + 1).detect(frame_720p) == []


def test_greyscale_frames_work(frame_720p):
    grey = cv2.cvtColor(frame_720p, cv2.COLOR_BGR2GRAY)
    assert len(HogFaceDetector().detect(grey)) == 1


def test_a_detector_per_thread_gives_stable_counts(faces_dir):
    image = cv2.imread(str(faces_dir / "edge" / "two_people.jpg"))
    counts: list[int] = []

    def work() -> None:
        detector = HogFaceDetector(scale_width=560, upsample=1)
        counts.extend(len(detector.detect(image)) for _ in range(3))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert counts == [2] * 9


def test_encoder_equals_face_recognition_on_the_same_box(encoder, frame_720p):
    box = HogFaceDetector().detect(frame_720p)[0]
    ours = encoder.encode(frame_720p, box)
    rgb = cv2.cvtColor(frame_720p, cv2.COLOR_BGR2RGB)
    ref = face_recognition.face_encodings(rgb, [tuple(box)])[0]
    assert ours.dtype == np.float32 and ours.shape == (128,)
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_encoding_from_the_full_resolution_box_beats_a_tiny_crop(encoder, frame_720p, encodings):
    box = HogFaceDetector().detect(frame_720p)[0]
    full = encoder.encode(frame_720p, box)
    tiny = cv2.resize(frame_720p, (320, 180), interpolation=cv2.INTER_AREA)
    small = encoder.encode(tiny, box.scaled(0.25))
    reference = encodings["obama1"]
    assert np.linalg.norm(full - reference) < np.linalg.norm(small - reference)


def test_encode_many_batches_one_frame_and_equals_single_encodings(encoder, faces_dir):
    image = cv2.imread(str(faces_dir / "edge" / "two_people.jpg"))
    boxes = HogFaceDetector(scale_width=800).detect(image)
    faces = encoder.encode_many(image, boxes)
    assert len(faces) == 2 == len(boxes)
    for box, face in zip(boxes, faces, strict=True):
        np.testing.assert_allclose(face.encoding, encoder.encode(image, box), atol=1e-6)
        assert face.landmarks.shape == (5, 2)
        inside = (face.landmarks[:, 0] >= box.left - 5) & (face.landmarks[:, 0] <= box.right + 5)
        assert inside.all()
    assert encoder.encode_many(image, []) == []
