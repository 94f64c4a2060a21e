#!/usr/bin/python3
"""A plain Python OpenCV loop, the baseline ./bench holds the pipeline against (Debian's python3-opencv).

It serves runs over stdin so that Python's start and cv2's import are not timed: each line
"hog PATH MAX_FRAMES EVERY THREADS" decodes PATH with cv2.VideoCapture (its FFmpeg backend), runs
OpenCV's default HOG people detector (detectMultiScale, default arguments) on every EVERY-th of the
first MAX_FRAMES frames with THREADS OpenCV threads (0: OpenCV's default, one a core), and answers
"FRAMES BOXES": the frames detected on and the boxes found. An empty line or EOF ends it.
"""
import sys

import cv2


def hog(path, max_frames, every, threads):
    cv2.setNumThreads(threads if threads > 0 else cv2.getNumberOfCPUs())
    detector = cv2.HOGDescriptor()
    detector.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    capture = cv2.VideoCapture(path)
    n = detected = boxes = 0
    while n < max_frames:
        ok, frame = capture.read()
        if not ok:
            break
        if n % every == 0:
            found, _ = detector.detectMultiScale(frame)
            boxes += len(found)
            detected += 1
        n += 1
    capture.release()
    return detected, boxes


def main():
    print("ready opencv " + cv2.__version__, flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            break
        if words[0] != "hog" or len(words) != 5:
            print("error: expected 'hog PATH MAX_FRAMES EVERY THREADS'", flush=True)
            continue
        detected, boxes = hog(words[1], int(words[2]), int(words[3]), int(words[4]))
        print(detected, boxes, flush=True)


if __name__ == "__main__":
    main()
