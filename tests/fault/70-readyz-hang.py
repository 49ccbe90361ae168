"""70-readyz-hang: /readyz when a store hangs instead of dying. Each store in turn is
stopped (SIGSTOP, PostgreSQL with its backends): its port still accepts connections but
nothing answers, so a check without a deadline would wait for ever and /readyz would keep
saying 200. It must say 503 within 3 s, and 200 again once the store continues (SIGCONT)."""
import signal
import time

from fclib import check, done
from faultlib import note, signal_tree, wait_readyz

check(wait_readyz(200, 30) is not None, "/readyz is 200 before the stores hang")
for store in ("postgres", "kafka", "ferretdb"):
    stopped = signal_tree(store, signal.SIGSTOP)
    try:
        down = wait_readyz(503, 6, since=stopped)
    finally:
        resumed = signal_tree(store, signal.SIGCONT)
    check(down is not None and down <= 3.0, f"/readyz says 503 within 3 s of {store} hanging",
          f"{down:.2f} s" if down is not None else "still 200 after 6 s")
    up = wait_readyz(200, 30, since=resumed)
    check(up is not None, f"/readyz says 200 again once {store} continues",
          f"{up:.1f} s" if up is not None else "not 200 after 30 s")
    note(f"readyz-hang: {store}: 503 after {down if down is None else round(down, 2)} s, "
         f"200 again {up if up is None else round(up, 1)} s after SIGCONT")
    time.sleep(1)
done()
