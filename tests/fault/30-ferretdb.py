"""30-ferretdb: FerretDB (the MongoDB of the stack) killed (kill -9) while six answers stream,
then restarted: the same checks as 10-kafka."""
from fclib import done
from faultlib import store_outage

store_outage("ferretdb", "ferretdb")
done()
