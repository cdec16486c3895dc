#!/usr/bin/env python3
"""End-to-end specification of learnrec-serve: the real binary on a free loopback port.

Registered with ctest (service_end_to_end): python3 test_service.py --serve BIN --cli BIN.
Standard library only, so it runs wherever ctest runs. Every route's content and status, an
event's effect, reloads mid-traffic and of a corrupt model, auth, SIGHUP and a clean stop.
"""
import argparse
import calendar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

ARGS = None
READER = "reader-token-0123456789abcdef"
ADMIN = "admin-token-0123456789abcdef"
NOW = "2026-01-01"


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)


class Server:
    """One learnrec-serve process; its first stdout line names the port."""

    def __init__(self, *flags):
        self.proc = subprocess.Popen([ARGS.serve, *map(str, flags)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)\n", line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"unexpected first line {line!r}; stderr: {self.proc.stderr.read()}")
        self.base = f"http://127.0.0.1:{m.group(1)}"
        # Drain stderr (the request log) so the server never blocks on a full pipe.
        self.log = []
        self.drain = threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True)
        self.drain.start()

    def call(self, method, path, body=None, token=READER, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        req = urllib.request.Request(self.base + path, data=data if method == "POST" else None, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if method == "POST":
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, text, ctype = r.status, r.read().decode(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, text, ctype = e.code, e.read().decode(), e.headers.get("Content-Type", "")
        return status, (json.loads(text) if ctype.startswith("application/json") and text else text)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=30)
        return self.proc.returncode


class ServiceSpec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="learnrec-serve-")
        t = cls.tmp
        run(ARGS.cli, "academy", "--out", f"{t}/acad", "--learners", 300, "--courses", 60, "--seed", 7)
        for name, seed, trained_at in (("model1.lrc", 1, "2026-02-01"), ("model2.lrc", 2, "2026-03-01T12:30:00Z")):
            run(ARGS.cli, "train", "--interactions", f"{t}/acad/interactions.csv", "--factors", 8, "--iterations", 3,
                "--threads", 1, "--seed", seed, "--trained-at", trained_at, "--save", f"{t}/{name}")
        raw = bytearray(open(f"{t}/model1.lrc", "rb").read())
        raw[100] ^= 0xFF  # a payload byte: the envelope's checksum catches it
        open(f"{t}/corrupt.lrc", "wb").write(raw)
        shutil.copy(f"{t}/model1.lrc", f"{t}/model.lrc")
        shutil.copy(f"{t}/acad/events.csv", f"{t}/events.csv")
        with open(f"{t}/tokens", "w") as f:
            f.write(f"# who may ask\nreader {READER}\nadmin {ADMIN}\n")
        cls.server = Server("--model", f"{t}/model.lrc", "--catalogue", f"{t}/acad", "--events", f"{t}/events.csv",
                            "--tokens", f"{t}/tokens", "--port", 0, "--threads", 4)
        status, ready = cls.server.call("GET", "/readyz", token=None)
        assert status == 200, ready
        cls.v1 = ready["model_version"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def swap_model(self, name):
        # As a deployment would: a complete file renamed over the served path.
        shutil.copy(f"{self.tmp}/{name}", f"{self.tmp}/next.lrc")
        os.replace(f"{self.tmp}/next.lrc", f"{self.tmp}/model.lrc")

    def recommend(self, learner, k=5, token=READER):
        return self.server.call("GET", f"/v1/learners/{learner}/recommendations?k={k}&now={NOW}", token=token)

    # ---- health and readiness ------------------------------------------------------------------
    def test_01_health_answers_without_a_token(self):
        self.assertEqual(self.server.call("GET", "/healthz", token=None), (200, {"status": "ok"}))

    def test_02_ready_names_the_model_version(self):
        status, body = self.server.call("GET", "/readyz", token=None)
        self.assertEqual(status, 200)
        # kind, the file's payload CRC-32, and when it was trained (train --trained-at)
        self.assertRegex(body["model_version"], r"^als-[0-9a-f]{8}-20260201T000000Z$")

    # ---- authentication ------------------------------------------------------------------------
    def test_03_no_token_is_401(self):
        status, body = self.recommend("L000002", token=None)
        self.assertEqual(status, 401)
        self.assertIn("token", body["error"])

    def test_04_a_wrong_token_is_401(self):
        self.assertEqual(self.recommend("L000002", token="reader-token-0123456789abcdeX")[0], 401)

    def test_05_a_reader_token_on_an_admin_route_is_403(self):
        self.assertEqual(self.server.call("POST", "/admin/reload", token=READER)[0], 403)

    # ---- recommendations for a learner ---------------------------------------------------------
    def test_06_a_known_learner_gets_ranked_courses_with_reasons_and_the_version(self):
        status, body = self.recommend("L000002", k=5)
        self.assertEqual(status, 200)
        self.assertEqual(body["learner"], "L000002")
        self.assertEqual(body["model_version"], self.v1)
        self.assertFalse(body["cold_start"])
        self.assertTrue(1 <= len(body["items"]) <= 5)
        for item in body["items"]:
            self.assertRegex(item["course_id"], r"^C\d{4}$")
            self.assertIsInstance(item["score"], float)
            self.assertIsInstance(item["mandatory"], bool)
            self.assertIsInstance(item["reasons"], list)
            self.assertTrue(item["title"])
        self.assertEqual(len({i["course_id"] for i in body["items"]}), len(body["items"]))

    def goal_skill(self):
        """The skill most of the academy's courses teach: a goal naming it has courses to match."""
        import csv
        from collections import Counter
        with open(f"{self.tmp}/acad/courses.csv", newline="") as f:
            skills = Counter(item.split(":")[0] for row in csv.DictReader(f) for item in row["skills"].split(";") if item)
        return skills.most_common(1)[0][0]

    def test_06b_a_goal_in_the_learners_words_is_blended_in_with_matches_goal_reasons(self):
        skill = self.goal_skill()
        goal = urllib.parse.quote(f"I want to get better at {skill}")
        status, body = self.server.call("GET", f"/v1/learners/L000002/recommendations?k=10&now={NOW}&goal={goal}")
        self.assertEqual(status, 200, body)
        kinds = [r["kind"] for item in body["items"] for r in item["reasons"]]
        self.assertIn("matches_goal", kinds)
        quoted = [r for item in body["items"] for r in item["reasons"] if r["kind"] == "matches_goal"]
        self.assertTrue(all(r["text"].startswith("matches your goal") and r["goal_score"] > 0 for r in quoted))
        _, plain = self.recommend("L000002", k=10)
        self.assertNotIn("matches_goal", [r["kind"] for item in plain["items"] for r in item["reasons"]])

    def test_06c_new_learners_goals_are_blended_in_and_an_oversized_goal_is_400(self):
        skill = self.goal_skill()
        status, body = self.server.call("POST", "/v1/recommendations", {
            "now": NOW, "k": 10, "learner": {"id": "N-goal", "goal": f"I want to learn {skill}"}})
        self.assertEqual(status, 200, body)
        self.assertIn("matches_goal", [r["kind"] for item in body["items"] for r in item["reasons"]])
        status, body = self.server.call("POST", "/v1/recommendations", {"learner": {"goal": "x" * 5000}})
        self.assertEqual(status, 400)
        self.assertIn("goal", body["field"])
        long = urllib.parse.quote("y" * 5000)
        status, body = self.server.call("GET", f"/v1/learners/L000002/recommendations?goal={long}")
        self.assertEqual((status, body["field"]), (400, "goal"))

    def test_07_an_unknown_learner_gets_the_cold_start_answer(self):
        status, body = self.recommend("somebody-new", k=3)
        self.assertEqual(status, 200)
        self.assertTrue(body["cold_start"])
        self.assertEqual(body["basis"], "average_learner")
        self.assertTrue(1 <= len(body["items"]) <= 3)

    def test_08_k_that_is_not_an_integer_in_range_is_400_naming_k(self):
        for k in ("abc", "0", "101", "1.5", "-1", ""):
            status, body = self.recommend("L000002", k=k)
            self.assertEqual(status, 400, k)
            self.assertEqual(body["field"], "k")

    def test_09_a_bad_now_is_400_naming_now(self):
        status, body = self.server.call("GET", "/v1/learners/L000002/recommendations?now=yesterday")
        self.assertEqual((status, body["field"]), (400, "now"))

    # ---- similar courses -----------------------------------------------------------------------
    def test_10_similar_courses_exclude_the_course_itself(self):
        status, body = self.server.call("GET", "/v1/courses/C0001/similar?k=4")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["items"]), 4)
        self.assertNotIn("C0001", [i["course_id"] for i in body["items"]])
        scores = [i["score"] for i in body["items"]]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_11_an_unknown_course_is_404(self):
        status, body = self.server.call("GET", "/v1/courses/NOPE/similar")
        self.assertEqual(status, 404)
        self.assertIn("NOPE", body["error"])

    # ---- learners the model never saw ----------------------------------------------------------
    def test_12_a_new_learners_profile_and_courses_are_folded_in(self):
        status, body = self.server.call("POST", "/v1/recommendations", {
            "k": 5, "now": NOW,
            "learner": {"id": "hire-1", "role": "engineer", "country": "France", "languages": ["fr", "en"],
                        "target_skills": [{"skill": "python", "level": 2}], "courses": ["C0001", "C0002"]}})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["learner"], body["basis"], body["model_version"]), ("hire-1", "fold_in", self.v1))
        ids = [i["course_id"] for i in body["items"]]
        self.assertTrue(ids)
        self.assertFalse({"C0001", "C0002"} & set(ids))  # what they took is not proposed again

    def test_13_several_new_learners_are_answered_in_order(self):
        status, body = self.server.call("POST", "/v1/recommendations",
                                        {"k": 2, "learners": [{"id": "a"}, {"id": "b", "courses": ["C0003"]}]})
        self.assertEqual(status, 200, body)
        self.assertEqual([r["learner"] for r in body["results"]], ["a", "b"])
        self.assertEqual([r["basis"] for r in body["results"]], ["average_learner", "fold_in"])

    def test_14_new_learner_errors_name_the_field(self):
        cases = [(b"{not json", 400, "body"),
                 (json.dumps({"learner": {"role": 5}}).encode(), 400, "learner.role"),
                 (json.dumps({"learner": {}, "k": "3"}).encode(), 400, "k"),
                 (json.dumps({"learner": {"courses": ["C0001", "ZZZ"]}}).encode(), 404, "learner.courses[1]"),
                 (json.dumps({"learner": {"target_skills": ["x", "x"]}}).encode(), 400, "learner.target_skills[1]"),
                 (b"[" * 100000, 400, "body")]
        for raw, status, field in cases:
            got, body = self.server.call("POST", "/v1/recommendations", raw=raw)
            self.assertEqual((got, body["field"]), (status, field), raw[:60])

    # ---- events --------------------------------------------------------------------------------
    def test_15_a_completed_event_takes_the_course_out_at_once_and_after_a_reload(self):
        _, before = self.recommend("L000003", k=5)
        course = next(i["course_id"] for i in before["items"] if not i["mandatory"])
        status, body = self.server.call("POST", "/v1/events", [
            {"learner": "L000003", "course": course, "event": "completed", "timestamp": "2025-12-30T10:00:00Z"}])
        self.assertEqual((status, body), (200, {"accepted": 1}))
        self.assertNotIn(course, [i["course_id"] for i in self.recommend("L000003", k=5)[1]["items"]])
        with open(f"{self.tmp}/events.csv") as f:
            self.assertTrue(f.read().endswith(f"L000003,{course},completed,1767088800,\n"))
        # Same model ids: the serving history is kept and the event stays pending on top of it.
        status, body = self.server.call("POST", "/admin/reload", raw=b"", token=ADMIN)
        self.assertEqual((status, body["history"]), (200, "kept"))
        self.assertNotIn(course, [i["course_id"] for i in self.recommend("L000003", k=5)[1]["items"]])
        self.assertRegex(self.server.call("GET", "/metrics")[1], r"learnrec_pending_events [1-9]")
        # A full reload re-reads the log, which holds the event: nothing is pending any more.
        status, body = self.server.call("POST", "/admin/reload?full=1", raw=b"", token=ADMIN)
        self.assertEqual((status, body["history"]), (200, "re-read from the event log"))
        self.assertNotIn(course, [i["course_id"] for i in self.recommend("L000003", k=5)[1]["items"]])
        self.assertIn("learnrec_pending_events 0\n", self.server.call("GET", "/metrics")[1])

    def test_16_a_new_learners_events_fold_them_in(self):
        events = [{"learner": "walk-in", "course": c, "event": "completed", "timestamp": 1767000000}
                  for c in ("C0004", "C0005")]
        self.assertEqual(self.server.call("POST", "/v1/events", events), (200, {"accepted": 2}))
        status, body = self.recommend("walk-in", k=5)
        self.assertEqual((status, body["basis"], body["cold_start"]), (200, "fold_in", True))
        self.assertFalse({"C0004", "C0005"} & {i["course_id"] for i in body["items"]})

    def test_17_a_bad_event_is_400_and_nothing_is_stored(self):
        size = os.path.getsize(f"{self.tmp}/events.csv")
        for events, field in (([{"learner": "L1", "course": "C0001", "event": "finished", "timestamp": 1}], "[0].event"),
                              ([{"learner": "L1", "course": "C0001", "event": "rated", "timestamp": 1}], "[0].value"),
                              ([{"learner": "L1", "course": "C0001", "event": "completed"}], "[0].timestamp"),
                              ([{"learner": "L1", "course": "C0001", "event": "completed", "timestamp": 1},
                                {"learner": 7, "course": "C0001", "event": "completed", "timestamp": 1}], "[1].learner"),
                              ({"learner": "L1"}, "body")):
            status, body = self.server.call("POST", "/v1/events", events)
            self.assertEqual((status, body["field"]), (400, field))
        self.assertEqual(os.path.getsize(f"{self.tmp}/events.csv"), size)

    # ---- reloads -------------------------------------------------------------------------------
    def test_18_a_reload_mid_traffic_drops_no_request(self):
        statuses, versions, stop = [], set(), threading.Event()

        def traffic():
            for _ in range(2000):  # bounded; stops earlier when the reloads are done
                if stop.is_set():
                    break
                s, b = self.recommend("L000002", k=5)
                statuses.append(s)
                versions.add(b.get("model_version") if isinstance(b, dict) else None)

        workers = [threading.Thread(target=traffic) for _ in range(3)]
        for w in workers:
            w.start()
        for name in ("model2.lrc", "model1.lrc", "model2.lrc"):
            self.swap_model(name)
            status, body = self.server.call("POST", "/admin/reload", raw=b"", token=ADMIN)
            self.assertEqual(status, 200, body)
            time.sleep(0.2)
        stop.set()
        for w in workers:
            w.join()
        self.assertTrue(statuses)
        self.assertEqual(set(statuses), {200})
        _, ready = self.server.call("GET", "/readyz", token=None)
        v2 = ready["model_version"]
        self.assertNotEqual(v2, self.v1)
        self.assertTrue(v2.endswith("-20260301T123000Z"), v2)
        self.assertLessEqual(versions, {self.v1, v2})

    def test_19_a_corrupt_model_is_refused_and_the_old_one_keeps_serving(self):
        _, before = self.server.call("GET", "/readyz", token=None)
        self.swap_model("corrupt.lrc")
        status, body = self.server.call("POST", "/admin/reload", raw=b"", token=ADMIN)
        self.assertEqual(status, 500)
        self.assertIn("checksum mismatch", body["error"])
        self.assertEqual(body["model_version"], before["model_version"])
        status, rec = self.recommend("L000002")
        self.assertEqual((status, rec["model_version"]), (200, before["model_version"]))
        _, metrics = self.server.call("GET", "/metrics")
        self.assertRegex(metrics, r'learnrec_reloads_total\{result="failed"\} [1-9]')

    def test_20_sighup_reloads(self):
        self.swap_model("model1.lrc")
        self.server.proc.send_signal(signal.SIGHUP)
        for _ in range(100):  # bounded: 10 s
            if self.server.call("GET", "/readyz", token=None)[1]["model_version"] == self.v1:
                break
            time.sleep(0.1)
        self.assertEqual(self.server.call("GET", "/readyz", token=None)[1]["model_version"], self.v1)

    # ---- metrics, limits, logs -----------------------------------------------------------------
    def test_21_metrics_count_requests_by_route_and_status(self):
        status, text = self.server.call("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertRegex(text, r'learnrec_requests_total\{route="/v1/learners/\{id\}/recommendations",status="200"\} \d+')
        self.assertRegex(text, r'learnrec_requests_total\{route="/v1/learners/\{id\}/recommendations",status="400"\} \d+')
        self.assertIn('learnrec_request_duration_seconds_bucket{route="/v1/events",le="+Inf"}', text)
        _, ready = self.server.call("GET", "/readyz", token=None)
        trained = "2026-02-01T00:00:00Z" if ready["model_version"] == self.v1 else "2026-03-01T12:30:00Z"
        self.assertIn(f'learnrec_model_info{{version="{ready["model_version"]}",kind="als",trained_at="{trained}"}} 1',
                      text)
        age = float(re.search(r"^learnrec_model_age_seconds (\S+)$", text, re.M).group(1))
        trained_epoch = calendar.timegm(time.strptime(trained, "%Y-%m-%dT%H:%M:%SZ"))
        self.assertAlmostEqual(age, time.time() - trained_epoch, delta=120)
        self.assertRegex(text, r"learnrec_snapshot_age_seconds \d")

    def test_22_a_body_over_the_limit_is_413(self):
        status, body = self.server.call("POST", "/v1/events", raw=b" " * (2 << 20))
        self.assertEqual((status, body["field"]), (413, "body"))

    def test_23_unknown_routes_are_404_and_wrong_methods_405(self):
        self.assertEqual(self.server.call("GET", "/v2/nothing")[0], 404)
        self.assertEqual(self.server.call("GET", "/v1/events")[0], 405)

    def test_24_the_request_log_has_one_json_line_per_request(self):
        self.server.call("GET", "/healthz", token=None)
        time.sleep(0.2)
        lines = [json.loads(x) for x in self.server.log if x.startswith('{"learners"')]
        self.assertTrue(lines)
        self.assertTrue(all({"route", "status", "micros", "learners"} <= set(x) for x in lines))


class Timeouts(unittest.TestCase):
    """--timeout bounds a request's arrival and an idle keep-alive connection; a stalled client is dropped."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="learnrec-serve-")
        t = cls.tmp
        run(ARGS.cli, "academy", "--out", f"{t}/a", "--learners", 50, "--courses", 30)
        run(ARGS.cli, "train", "--interactions", f"{t}/a/interactions.csv", "--factors", 4, "--iterations", 1,
            "--threads", 1, "--save", f"{t}/m.lrc")
        cls.server = Server("--model", f"{t}/m.lrc", "--catalogue", f"{t}/a", "--timeout", 1, "--threads", 2)
        cls.port = int(cls.server.base.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.settimeout(60)  # a bound for the test, far above --timeout: the server must close first
        return s

    def read_until_closed(self, s):
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data

    def test_a_request_that_stops_halfway_is_dropped(self):
        with self.connect() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the headers never end
            self.assertEqual(self.read_until_closed(s), b"")

    def test_an_idle_keep_alive_connection_is_closed_after_its_answer(self):
        with self.connect() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data = self.read_until_closed(s)
            self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data)
            self.assertTrue(data.endswith(b'{"status":"ok"}'), data)

    def test_other_connections_are_answered_while_one_stalls(self):
        with self.connect() as stalled:
            stalled.sendall(b"GET /healthz HTTP/1.1\r\n")
            for _ in range(10):
                self.assertEqual(self.server.call("GET", "/healthz", token=None)[0], 200)
            self.assertEqual(self.read_until_closed(stalled), b"")


class Startup(unittest.TestCase):
    def test_startup_refuses_open_binds_reads_a_config_file_and_repairs_a_torn_log(self):
        t = tempfile.mkdtemp(prefix="learnrec-serve-")
        try:
            run(ARGS.cli, "academy", "--out", f"{t}/a", "--learners", 50, "--courses", 30)
            run(ARGS.cli, "train", "--interactions", f"{t}/a/interactions.csv", "--factors", 4, "--iterations", 1,
                "--threads", 1, "--save", f"{t}/m.lrc")
            r = subprocess.run([ARGS.serve, "--model", f"{t}/m.lrc", "--catalogue", f"{t}/a", "--host", "0.0.0.0"],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 2)
            self.assertIn("needs --tokens", r.stderr)
            # A torn last line of the event log (a crash mid-append) is cut off at start.
            with open(f"{t}/ev.csv", "w") as f:
                f.write("learner_id,course_id,event,timestamp,value\nL1,C1,completed,1,\nL2,C")
            # The same flags from a configuration file (TOML), the port still picked and printed.
            with open(f"{t}/serve.toml", "w") as f:
                f.write(f'model = "{t}/m.lrc"\ncatalogue = "{t}/a"\nport = 0\nthreads = 1\n')
            c = Server("--config", f"{t}/serve.toml")
            self.assertEqual(c.call("GET", "/readyz")[0], 200)
            self.assertEqual(c.stop(), 0)
            s = Server("--model", f"{t}/m.lrc", "--catalogue", f"{t}/a", "--events", f"{t}/ev.csv")
            self.assertEqual(s.call("GET", "/healthz")[0], 200)
            self.assertEqual(s.stop(), 0)  # a clean stop on SIGTERM
            with open(f"{t}/ev.csv") as f:
                self.assertEqual(f.read(), "learner_id,course_id,event,timestamp,value\nL1,C1,completed,1,\n")
        finally:
            shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", default=os.environ.get("LEARNREC_SERVE", "build/examples/learnrec-serve"))
    parser.add_argument("--cli", default=os.environ.get("LEARNREC_CLI", "build/examples/learnrec"))
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
