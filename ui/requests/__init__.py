"""我要反映 / 您来点单 on screen: the request flow, its receipt, and the status of a scanned
receipt QR (``RQ1.``)."""
