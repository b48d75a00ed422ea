from tests.adapters.slack.harness import *

def test_smoke(slack):
    r, key = slack.command("/help")
    print(r.status, r.body)
    print(slack.api.calls)
    assert r.status == 200
    calls = slack.responses(key)
    assert calls
