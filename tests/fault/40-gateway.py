"""40-gateway: the gateway serving sixteen streams killed (kill -9) mid-answer; the readers,
like a browser's EventSource, reconnect with Last-Event-ID to a second gateway, which does
not hold the streams and replays them from Kafka: every answer completes, what each reader
assembled equals the stored message, nothing is lost or duplicated. Sixteen questions, so two
land on each of the first gateway's 8 reply partitions, among them partition 7, which the
second gateway also reads live."""
import time

from fclib import check, done
from faultlib import URL, URL2, Gateway2, User, Reader, check_answers, kill9, mock, note

gw2 = Gateway2()
try:
    check(gw2.ready, "a second gateway is ready")
    user = User()
    mock("/__config", {"tps": 25, "tokens": 200})
    rids = [user.ask() for _ in range(16)]
    resumed = {}

    def on_event_for(i):
        def on_event(e):
            if "killed" in resumed and i not in resumed:
                resumed[i] = time.time() - resumed["killed"]
        return on_event

    readers = [Reader(user.H, rid, urls=(URL, URL2), deadline_s=90, on_event=on_event_for(i))
               for i, rid in enumerate(rids)]
    check(all(r.first_token.wait(30) for r in readers), "every answer is streaming before the kill")
    before = sum(len(r.events) for r in readers)
    resumed["killed"] = kill9("gateway")
    note(f"gateway: killed with kill -9 after {before} events had reached the 16 readers")
    user.url = URL2
    for r in readers:
        r.join(max(0.0, r.deadline - time.time()))
    waits = sorted(v for k, v in resumed.items() if k != "killed")
    check(len(waits) == len(readers), "every reader resumed on the second gateway", str(resumed))
    check(all(r.reconnects >= 1 for r in readers), "every reader reconnected (the first gateway is gone)")
    if waits:
        note(f"gateway: first event on the second gateway {waits[0]:.2f}-{waits[-1]:.2f} s after the kill")
    check_answers(user, readers, "gateway")
finally:
    gw2.stop()
done()
