// Feedback-loop reports for tests: an ARF (RFC 5965) abuse or opt-out report about a message from
// `originalFrom` to `complainer`, as an ISP's feedback loop sends it to the return path. Pure text.

/** The report, addressed to `to` (a tagged return path or a mailbox). */
export const arf = (to: string, complainer: string, feedbackType: string, originalFrom: string): string => `From: <fbl@isp.test>
To: <${to}>
Subject: Abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="=f1"

--=f1
Content-Type: text/plain

This is an email abuse report.

--=f1
Content-Type: message/feedback-report

Feedback-Type: ${feedbackType}
User-Agent: isp-fbl/1.0
Version: 1
Original-Rcpt-To: <${complainer}>
Arrival-Date: Thu, 8 Mar 2026 14:00:00 +0000

--=f1
Content-Type: message/rfc822

From: ${originalFrom}
To: ${complainer}
Subject: hello

hi
--=f1--
`;
