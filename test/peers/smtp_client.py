#!/usr/bin/env python3
# A Python smtplib peer for Petrel's end-to-end tests. Reads one JSON job on stdin, runs it with the
# standard library's SMTP client and prints one JSON object with every reply seen. Never raises:
# errors are reported as {"error": {...}} so the test can show the server's actual answer.
#
# Job keys: host, port, mode ("plain" | "starttls" | "ssl"), cafile, timeout,
#   auth: {mech: "PLAIN"|"LOGIN"|"CRAM-MD5", user, password, initial_response: bool},
#   mail: {from, to: [..], body (text, sent as UTF-8 bytes), mail_options: [..], rcpt_options: [..]},
#   pipeline: true  -> send MAIL, RCPTs and DATA in one write and read the replies afterwards.
import json
import smtplib
import ssl
import sys


def tls_context(job):
    if not job.get("cafile"):
        return ssl._create_unverified_context()
    ctx = ssl.create_default_context(cafile=job["cafile"])
    ctx.check_hostname = False  # we connect to 127.0.0.1; the chain is still verified
    return ctx


def connect(job, out):
    host, port, mode = job.get("host", "127.0.0.1"), job["port"], job.get("mode", "plain")
    timeout = job.get("timeout", 20)
    if mode == "ssl":
        s = smtplib.SMTP_SSL(timeout=timeout, context=tls_context(job))
    else:
        s = smtplib.SMTP(timeout=timeout)
    s._host = host  # the TLS server name; connect() alone leaves it empty
    out["greeting"] = list(s.connect(host, port))
    out["ehlo"] = list(s.ehlo("peer.python.test"))
    out["features"] = sorted(k.upper() for k in s.esmtp_features)
    if mode == "starttls":
        out["starttls"] = list(s.starttls(context=tls_context(job)))
        out["ehlo_tls"] = list(s.ehlo("peer.python.test"))
        out["features_tls"] = sorted(k.upper() for k in s.esmtp_features)
    return s


def do_auth(s, auth, out):
    mech = auth["mech"].upper()
    s.user, s.password = auth["user"], auth["password"]
    method = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}[mech]
    out["auth"] = list(s.auth(mech, method, initial_response_ok=auth.get("initial_response", True)))


def do_pipeline(s, mail, out):
    cmds = ["MAIL FROM:<%s>%s" % (mail["from"], "".join(" " + o for o in mail.get("mail_options", [])))]
    rcpt_options = "".join(" " + o for o in mail.get("rcpt_options", []))
    cmds += ["RCPT TO:<%s>%s" % (r, rcpt_options) for r in mail["to"]]
    cmds.append("DATA")
    s.send(("\r\n".join(cmds) + "\r\n").encode("utf-8"))
    replies = [list(s.getreply()) for _ in cmds]
    out["pipeline"] = replies
    if replies[-1][0] == 354:
        body = mail["body"].replace("\r\n", "\n").replace("\n", "\r\n")
        lines = [("." + l) if l.startswith(".") else l for l in body.split("\r\n")]
        s.send(("\r\n".join(lines) + "\r\n.\r\n").encode("utf-8"))
        out["data"] = list(s.getreply())


def do_mail(s, mail, out):
    body = mail["body"].encode("utf-8")
    refused = s.sendmail(mail["from"], mail["to"], body, mail.get("mail_options", []), mail.get("rcpt_options", []))
    out["sent"] = {"refused": {k: list(v) for k, v in refused.items()}}


def describe(e):
    code = getattr(e, "smtp_code", None)
    msg = getattr(e, "smtp_error", None)
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    info = {"type": type(e).__name__, "code": code, "msg": msg, "text": str(e)}
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        info["recipients"] = {k: [v[0], v[1].decode("utf-8", "replace")] for k, v in e.recipients.items()}
    return info


def jsonable(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


def main():
    job = json.load(sys.stdin)
    out = {}
    s = None
    try:
        s = connect(job, out)
        if job.get("auth"):
            do_auth(s, job["auth"], out)
        if job.get("mail"):
            (do_pipeline if job.get("pipeline") else do_mail)(s, job["mail"], out)
        out["quit"] = list(s.quit())
    except Exception as e:  # reported, not raised: the test asserts on it
        out["error"] = describe(e)
        if s is not None:
            try:
                s.close()
            except Exception:
                pass
    print(json.dumps(jsonable(out)))


if __name__ == "__main__":
    main()
