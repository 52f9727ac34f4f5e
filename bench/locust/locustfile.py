"""
The reference Locust scenario (the one behind the published figures of the `stress`
and `ultimate` presets), run against tollgate by `npm run bench` (bench/loadtest-bench.mjs).

Each user logs in on start, then, waiting 0.5-1.5 s between tasks:
  - GET /api/protected (weight 10);
  - logout -> the logged-out token must get 401 -> log in again (weight 1).
Users share LOCUST_ACCOUNTS accounts (<LOCUST_ACCOUNT_PREFIX>-<i>@loadtest.example.com,
password LOCUST_PASSWORD), the accounts `tollgate loadtest` registers. Failures are
named like `tollgate loadtest` categories: login_429, verify_503, revoked_check_200 ...

Run headless, against loopback only, bounded in time, e.g.:
  locust -f bench/locust/locustfile.py --headless -u 1000 -r 100 -t 30s \
         --host http://127.0.0.1:8000 --csv out/locust
"""
import itertools
import os
from urllib.parse import urlparse

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PREFIX = os.environ.get("LOCUST_ACCOUNT_PREFIX", "locust")
ACCOUNTS = int(os.environ.get("LOCUST_ACCOUNTS", "500"))
PASSWORD = os.environ.get("LOCUST_PASSWORD", "LoadTest-Passw0rd!")
_numbers = itertools.count()


@events.init.add_listener
def loopback_only(environment, **_kwargs):
    host = urlparse(environment.host or "").hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        raise SystemExit(f"locustfile: {host!r} is not a loopback address; load tests target loopback only")


class AuthUser(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.email = f"{PREFIX}-{next(_numbers) % ACCOUNTS}@loadtest.example.com"
        self.token = None
        self.login()

    def login(self):
        with self.client.post(
            "/auth/login",
            json={"email": self.email, "password": PASSWORD},
            name="login",
            catch_response=True,
        ) as res:
            if res.status_code == 200:
                self.token = res.json().get("access_token")
                res.success()
            else:
                self.token = None
                res.failure(f"login_{res.status_code}")

    def auth(self):
        return {"Authorization": f"Bearer {self.token}"}

    @task(10)
    def protected(self):
        if self.token is None:
            self.login()
            return
        with self.client.get("/api/protected", headers=self.auth(), name="verify", catch_response=True) as res:
            if res.status_code == 200:
                res.success()
            else:
                res.failure(f"verify_{res.status_code}")
                if res.status_code == 401:
                    self.token = None

    @task(1)
    def logout_and_back(self):
        if self.token is None:
            self.login()
            return
        with self.client.post("/auth/logout", headers=self.auth(), name="logout", catch_response=True) as res:
            if res.status_code != 200:
                res.failure(f"logout_{res.status_code}")
                return
            res.success()
        with self.client.get(
            "/api/protected", headers=self.auth(), name="revoked_check", catch_response=True
        ) as res:
            if res.status_code == 401:
                res.success()
            else:
                res.failure(f"revoked_check_{res.status_code}")
        self.login()
