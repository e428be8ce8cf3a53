"""The receipt printer: a durable job queue in front of an ESC/POS connection.

One module a job, in the manner of the Odoo IoT box's drivers; import from the module you need:

- :mod:`~devices.printer.status`: the closed status set, the named error codes, and how the
  printer's real-time status bytes map to them.
- :mod:`~devices.printer.connector`: the transport interface and the python-escpos ground
  shared by :mod:`~devices.printer.network`, :mod:`~devices.printer.serial`,
  :mod:`~devices.printer.usb` and :mod:`~devices.printer.file`.
- :mod:`~devices.printer.simulated`: the twin that keeps each job's bytes and a PNG.
- :mod:`~devices.printer.jobs`: the durable job store.
- :mod:`~devices.printer.device`: :class:`~devices.printer.device.Printer`, the queue's worker,
  retries, paper counting and health.
- :mod:`~devices.printer.settings` and :mod:`~devices.printer.build`: settings, and the printer
  built from them.

python-escpos is imported when a real connector first opens (the USB one: when it is built, to
see whether pyusb is there), never by importing these modules.
"""
