"""Checks modarch's TensorBoard event files with TensorBoard's own code.

    python3 tensorboard_check.py read LOGDIR [--unfinished RUN ...] [--failed RUN ...] [--resumed RUN ...]
    python3 tensorboard_check.py serve LOGDIR

A run is a folder under LOGDIR with a config.json, a log.jsonl and, once measured, a metrics.json. What the event
files must hold is derived here, independently of the Java code, from those files:

- every evaluation line of log.jsonl (the last logged, so a resumed run's orphaned steps must be gone) as scalars
  loss/train, loss/eval, loss/eval_accuracy, ood/eval, ood/eval_accuracy (each also per evaluation length, suffixed
  _len_L) and routing/<term>, at step = iteration; metrics.json's measurements as metrics/<key> at its iteration
  and its activation matrix as the image metrics/activation_matrix;
- the HParams plugin's experiment (the same in every run, task, model, rules, dim and parameters shown first),
  session start (the options of config.json, unset remedies 0, a group name shared by the runs that differ only in
  their seeds) and session end: none for the runs named --unfinished, FAILURE for those named --failed, SUCCESS for
  the others.

read: loads every event file with event_file_loader and every run with EventAccumulator(purge_orphaned_data=True);
for the runs named --resumed, the same without purging must see the orphaned steps (so that the check means something).
serve: starts `tensorboard --logdir LOGDIR` on 127.0.0.1 and checks every run and tag through its HTTP data API.
Prints what it checked; exits 1 naming each mismatch.
"""
import argparse
import json
import math
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from tensorboard.backend.event_processing import event_accumulator, event_file_loader
from tensorboard.plugins.hparams import api_pb2, metadata

EVAL_TAGS = {
    "train_loss": "loss/train",
    "eval_loss": "loss/eval",
    "eval_accuracy": "loss/eval_accuracy",
    "eval_ood_loss": "ood/eval",
    "eval_ood_accuracy": "ood/eval_accuracy",
}
ROUTING_TERMS = ("load_balance_loss", "router_z_loss", "routing_mi")
METRICS_RUN_KEYS = {"iteration", "run_iteration", "rules", "seed", "data_seed", "seconds"}
REMEDIES = ("load_balance", "router_z_loss", "mi_loss", "router_topk")
SEEDS = ("seed", "data_seed")
SHOWN_HPARAMS = ("task", "model", "rules", "dim", "parameters")
IMAGE_TAG = "metrics/activation_matrix"

failures = []


def fail(message):
    failures.append(message)


def float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


class Run:
    def __init__(self, logdir, path):
        self.path = path
        self.name = os.path.relpath(path, logdir)
        with open(os.path.join(path, "config.json")) as f:
            self.config = json.load(f)
        with open(os.path.join(path, "log.jsonl")) as f:
            self.lines = [json.loads(line) for line in f if line.strip()]
        metrics_file = os.path.join(path, "metrics.json")
        self.metrics = None
        if os.path.exists(metrics_file):
            with open(metrics_file) as f:
                self.metrics = json.load(f)

    def expected_scalars(self):
        """{tag: [(step, float32 value)]} from log.jsonl and metrics.json."""
        scalars = {}

        def add(tag, step, value):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
                scalars.setdefault(tag, []).append((step, float32(value)))

        for line in self.lines:
            if "event" in line:
                continue
            step = line["iteration"]
            for key, tag in EVAL_TAGS.items():
                add(tag, step, line.get(key))
            for at in line.get("eval_by_length", []):
                for key, tag in EVAL_TAGS.items():
                    add("%s_len_%d" % (tag, at["length"]), step, at.get(key))
            for term in ROUTING_TERMS:
                add("routing/" + term, step, line.get(term))
        if self.metrics is not None:
            for key, value in self.metrics.items():
                if key not in METRICS_RUN_KEYS:
                    add("metrics/" + key, self.metrics["iteration"], value)
        return scalars

    def hparams(self):
        hparams = dict(self.config)
        for remedy in REMEDIES:
            hparams.setdefault(remedy, 0)
        return hparams

    def group(self):
        return tuple(sorted((k, v) for k, v in self.hparams().items() if k not in SEEDS))


def find_runs(logdir):
    runs = []
    for root, _, files in os.walk(logdir):
        if "config.json" in files and "log.jsonl" in files:
            runs.append(Run(logdir, root))
    if not runs:
        fail("no run under " + logdir)
    return sorted(runs, key=lambda r: r.name)


def event_files(run):
    return sorted(os.path.join(run.path, f) for f in os.listdir(run.path) if f.startswith("events.out.tfevents."))


def check_raw_events(run, counts):
    for path in event_files(run):
        events = list(event_file_loader.EventFileLoader(path).Load())
        counts["files"] += 1
        counts["events"] += len(events)
        if not events or events[0].file_version != "brain.Event:2":
            fail("%s: the first event is not file_version brain.Event:2" % path)
        for event in events:
            if not event.wall_time > 1e9:
                fail("%s: an event at step %d has wall_time %r" % (path, event.step, event.wall_time))
        starts = [e for e in events if e.HasField("session_log")]
        counts["session_starts"] += len(starts)
        if len(starts) > 1:
            fail("%s: %d SessionLog events" % (path, len(starts)))


def check_scalars(run, counts):
    accumulator = event_accumulator.EventAccumulator(
        run.path, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0,
                                 event_accumulator.TENSORS: 0},
        purge_orphaned_data=True)
    accumulator.Reload()
    expected = run.expected_scalars()
    tags = accumulator.Tags()
    if sorted(tags["scalars"]) != sorted(expected):
        fail("%s: scalar tags %s, expected %s" % (run.name, sorted(tags["scalars"]), sorted(expected)))
    for tag, points in expected.items():
        if tag not in tags["scalars"]:
            continue
        got = [(e.step, e.value) for e in accumulator.Scalars(tag)]
        if got != points:
            fail("%s: %s holds %s, expected %s" % (run.name, tag, got, points))
        counts["scalar_points"] += len(points)
        counts["scalar_tags"] += 1
    unpurged = event_accumulator.EventAccumulator(
        run.path, size_guidance={event_accumulator.SCALARS: 0}, purge_orphaned_data=False)
    unpurged.Reload()
    purged = sum(len(unpurged.Scalars(t)) for t in unpurged.Tags()["scalars"]) - sum(len(p) for p in expected.values())
    if run.resumed and purged <= 0:
        fail("%s: resumed, but no orphaned step to purge" % run.name)
    counts["purged_points"] += purged
    check_image(run, accumulator, tags, counts)
    check_hparams(run, accumulator, counts)


def check_image(run, accumulator, tags, counts):
    matrix = run.metrics.get("activation_matrix") if run.metrics else None
    if matrix is None:
        if IMAGE_TAG in tags["images"]:
            fail("%s: an activation matrix image without metrics.json" % run.name)
        return
    if IMAGE_TAG not in tags["images"]:
        fail("%s: no %s image among %s" % (run.name, IMAGE_TAG, tags["images"]))
        return
    image = accumulator.Images(IMAGE_TAG)[-1]
    rows, columns = len(matrix), len(matrix[0])
    png = image.encoded_image_string
    width, height = struct.unpack(">II", png[16:24])
    if png[:8] != b"\x89PNG\r\n\x1a\n" or (width, height) != (image.width, image.height):
        fail("%s: the image is not a %dx%d PNG" % (run.name, image.width, image.height))
    if image.step != run.metrics["iteration"] or width % columns or height % rows \
            or width // columns != height // rows:
        fail("%s: a %dx%d image at step %d for a %dx%d matrix at iteration %d" % (
            run.name, width, height, image.step, rows, columns, run.metrics["iteration"]))
    counts["images"] += 1


def check_hparams(run, accumulator, counts):
    content = accumulator.PluginTagToContent(metadata.PLUGIN_NAME)
    hparams = run.hparams()
    experiment = metadata.parse_experiment_plugin_data(content[metadata.EXPERIMENT_TAG])
    run.experiment = experiment
    types = {info.name: info.type for info in experiment.hparam_infos}
    for name, value in hparams.items():
        expected_type = api_pb2.DATA_TYPE_STRING if isinstance(value, str) else api_pb2.DATA_TYPE_FLOAT64
        if types.get(name) != expected_type:
            fail("%s: hparam %s has type %s in the experiment, expected %d" % (
                run.name, name, types.get(name), expected_type))
    shown = sorted(experiment.hparam_infos, key=lambda info: (not info.differs, info.name))[:5]
    if sorted(info.name for info in shown) != sorted(SHOWN_HPARAMS):
        fail("%s: the HParams tab shows %s first" % (run.name, [info.name for info in shown]))
    metric_tags = [m.name.tag for m in experiment.metric_infos]
    for tag in ("loss/eval", "ood/eval", "metrics/collapse_avg", "metrics/inverse_mutual_information"):
        if tag not in metric_tags:
            fail("%s: the experiment's metrics %s lack %s" % (run.name, metric_tags, tag))
    start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
    values = {k: (v.string_value if v.HasField("string_value") else v.number_value) for k, v in start.hparams.items()}
    if values != hparams:
        fail("%s: the session's hparams are %s, expected %s" % (run.name, values, hparams))
    run.group_name = start.group_name
    if run.unfinished:
        if metadata.SESSION_END_INFO_TAG in content:
            fail("%s: a session end for a run that did not finish" % run.name)
    else:
        end = metadata.parse_session_end_info_plugin_data(content[metadata.SESSION_END_INFO_TAG])
        status = api_pb2.STATUS_FAILURE if run.failed else api_pb2.STATUS_SUCCESS
        if end.status != status:
            fail("%s: session end status %d, expected %d" % (run.name, end.status, status))
    counts["hparams_runs"] += 1


def check_groups(runs):
    for a in runs:
        if a.experiment != runs[0].experiment:
            fail("%s and %s write different experiments" % (a.name, runs[0].name))
        for b in runs:
            if (a.group() == b.group()) != (a.group_name == b.group_name):
                fail("%s and %s: group names %r and %r" % (a.name, b.name, a.group_name, b.group_name))


def read(logdir, unfinished, failed, resumed):
    runs = find_runs(logdir)
    counts = dict.fromkeys(("files", "events", "session_starts", "scalar_tags", "scalar_points", "purged_points",
                            "images", "hparams_runs"), 0)
    for run in runs:
        run.unfinished = run.name in unfinished
        run.failed = run.name in failed
        run.resumed = run.name in resumed
        check_raw_events(run, counts)
        check_scalars(run, counts)
    check_groups(runs)
    print("read %d runs: %s" % (len(runs), ", ".join("%s %d" % kv for kv in counts.items())))


def get(url, body=None):
    """The JSON that url answers to a GET, or to a POST of body."""
    data = None if body is None else json.dumps(body).encode()
    try:
        request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise OSError("%s answered %d: %s" % (url, e.code, e.read().decode(errors="replace")[:2000])) from e


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(logdir):
    runs = find_runs(logdir)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", logdir, "--host", "127.0.0.1",
                                   "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
        try:
            check_served(base, runs, server)
        except OSError as e:
            fail(str(e))
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if failures:
                log.seek(0)
                print(log.read().decode(errors="replace")[-4000:])


def check_served(base, runs, server):
    expected = {run.name: sorted(run.expected_scalars()) for run in runs}
    deadline = time.time() + 90
    served = {}
    while time.time() < deadline and server.poll() is None:
        try:
            served = {run: sorted(tags) for run, tags in get(base + "/data/plugin/scalars/tags").items()}
        except OSError:
            pass
        if served == expected:
            break
        time.sleep(0.5)
    if served != expected:
        fail("the server's scalar tags are %s, expected %s" % (served, expected))
        return
    points = 0
    for run in runs:
        for tag, expected_points in run.expected_scalars().items():
            query = urllib.parse.urlencode({"run": run.name, "tag": tag})
            got = [(step, value) for _, step, value in get(base + "/data/plugin/scalars/scalars?" + query)]
            if got != expected_points:
                fail("%s: the server's %s is %s, expected %s" % (run.name, tag, got, expected_points))
            points += len(got)
    experiment = get(base + "/data/plugin/hparams/experiment", {"experimentName": "", "includeMetrics": True})
    names = {info["name"] for info in experiment.get("hparamInfos", [])}
    for run in runs:
        if not set(run.hparams()) <= names:
            fail("the served experiment's hparams %s lack some of %s" % (sorted(names), sorted(run.hparams())))
    groups = get(base + "/data/plugin/hparams/session_groups",
                 {"experimentName": "", "startIndex": 0, "sliceSize": 100, "includeMetrics": True,
                  "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]})
    sessions = sorted(s["name"] for g in groups.get("sessionGroups", []) for s in g["sessions"])
    if sessions != sorted(run.name for run in runs):
        fail("the served sessions are %s, expected %s" % (sessions, [r.name for r in runs]))
    distinct = len({run.group() for run in runs})
    if len(groups.get("sessionGroups", [])) != distinct:
        fail("%d session groups served, expected %d" % (len(groups.get("sessionGroups", [])), distinct))
    print("served %d runs: %d scalar tags, %d points, %d hparams, %d sessions in %d groups" % (
        len(runs), sum(len(t) for t in served.values()), points, len(names), len(sessions), distinct))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("read", "serve"))
    parser.add_argument("logdir")
    for option in ("--unfinished", "--failed", "--resumed"):
        parser.add_argument(option, nargs="*", default=[])
    args = parser.parse_args()
    if args.mode == "read":
        read(args.logdir, set(args.unfinished), set(args.failed), set(args.resumed))
    else:
        serve(args.logdir)
    for failure in failures:
        print("FAIL: " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
