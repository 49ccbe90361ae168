"""10-kafka: the Kafka broker killed (kill -9) while six answers stream, then restarted.

/readyz says 503 within 3 s and 200 once the broker is back; every answer completes or ends
with a clear `error`; what each reader assembled equals the stored message; nothing is
duplicated (event ids, stored answers, MongoDB documents); a new question is answered."""
from fclib import done
from faultlib import store_outage

store_outage("kafka", "kafka")
done()
