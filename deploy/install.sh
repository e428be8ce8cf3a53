#!/usr/bin/env bash
# Installs the kiosk as a locked-down service on a Debian 12 terminal. Run as root from the
# project folder after `scripts/bootstrap` (see README "Deployment on a real terminal").
#   deploy/install.sh [--user kiosk] [--render-only DIR]
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user=kiosk
render_only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user="$2"; shift 2 ;;
    --render-only) render_only="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

render() {
  sed -e "s|@KIOSK_HOME@|$home|g" -e "s|@KIOSK_USER@|$user|g" "$home/deploy/systemd/kiosk.service"
}

if [ -n "$render_only" ]; then
  mkdir -p "$render_only"
  render > "$render_only/kiosk.service"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cage >/dev/null
id "$user" >/dev/null 2>&1 || useradd --system --create-home --groups video,render,input,dialout "$user"
getent group kiosk >/dev/null || groupadd --system kiosk
usermod -aG kiosk "$user"
install -d -m 0755 /etc/kiosk
[ -f /etc/kiosk/site.toml ] || install -m 0644 /dev/null /etc/kiosk/site.toml
render > /etc/systemd/system/kiosk.service
install -m 0644 "$home/deploy/udev/70-kiosk-devices.rules" /etc/udev/rules.d/70-kiosk-devices.rules
udevadm control --reload-rules && udevadm trigger
systemctl daemon-reload
systemctl disable --now getty@tty1.service 2>/dev/null || true
systemctl enable kiosk.service
echo "Installed. Set the maintenance PIN now:"
echo "  sudo -u $user KIOSK_DATA_DIR=/var/lib/kiosk $home/.venv/bin/kiosk set-pin"
echo "then: systemctl start kiosk"
