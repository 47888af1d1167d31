# A bot in the style of seed 001: writes heartbeat.json {at, iso, status, ...} itself, atomically,
# every 0.2 s, until it is killed. Usage: python3 py-heartbeat-bot.py DATA_DIR
import json, os, sys, time

path = os.path.join(sys.argv[1], "heartbeat.json")
cycle = 0
while True:
    now = time.time()
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"at": now, "iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                   "status": "ok", "cycle": cycle, "pid": os.getpid()}, f)
    os.replace(tmp, path)
    if cycle == 0:
        print("ready", flush=True)
    cycle += 1
    time.sleep(0.2)
