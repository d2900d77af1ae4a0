effects.ack {"id": 1, "result": "done"}
