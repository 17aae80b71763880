"""`python -m bench`: the project's pipeline against face_recognition's naive video loop."""
