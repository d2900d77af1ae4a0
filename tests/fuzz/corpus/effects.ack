effects.ack {"effect": 1, "result": "done"}
