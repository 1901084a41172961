#!/usr/bin/env bash
# Builds dist/target/wbgov_VERSION_all.deb from a staging tree (the Debian layout, see
# README "Install the package"). Run by Maven's package phase (dist/pom.xml, exec-maven-plugin)
# after copy-dependencies filled TARGET/deb-lib; reads its inputs from the environment:
#   WBGOV_ROOT   the repository root        TARGET       dist/target
#   MVN_VERSION  0.1.0-SNAPSHOT             DEB_VERSION  0.1.0~snapshot (already mapped by the pom)
set -euo pipefail
umask 022
: "${WBGOV_ROOT:?}" "${TARGET:?}" "${MVN_VERSION:?}" "${DEB_VERSION:?}"
ROOT=$(cd "$WBGOV_ROOT" && pwd)
DIST="$ROOT/dist"
SRC="$DIST/src/deb"
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is needed (Debian package dpkg)" >&2; exit 1; }

STAGE="$TARGET/deb/wbgov_${DEB_VERSION}_all"
DEB="$TARGET/wbgov_${DEB_VERSION}_all.deb"
rm -rf "$STAGE" "$DEB"
mkdir -p "$STAGE"

# A date for the changelog and the man pages that does not change with every build: the last
# commit's, else SOURCE_DATE_EPOCH, else now.
EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH=$EPOCH

inst() { # inst MODE SRC DEST  (DEST relative to the staging root)
  install -D -m "$1" "$2" "$STAGE/$3"
}

# The program: the governor jar and its runtime dependencies, the JVM option table, the launcher.
for j in "$TARGET"/deb-lib/*.jar; do inst 0644 "$j" "usr/share/wbgov/lib/$(basename "$j")"; done
inst 0644 "$ROOT/launcher/jvm-opts.sh" usr/share/wbgov/jvm-opts.sh
inst 0755 "$SRC/wbgov" usr/bin/wbgov

# Policies: shipped under /usr/share, the admin's overlay under /etc.
for p in "$ROOT"/policies/*.toml "$ROOT/policies/README.md"; do
  inst 0644 "$p" "usr/share/wbgov/policies/$(basename "$p")"
done
inst 0644 "$SRC/etc-policies-README" etc/wbgov/policies/README
inst 0644 "$SRC/etc-nbd-README" etc/wbgov/nbd/README
inst 0644 "$SRC/default" etc/default/wbgov

# systemd units (Debian 12: /lib/systemd/system).
inst 0644 "$SRC/wbgov.service" lib/systemd/system/wbgov.service
inst 0644 "$SRC/wbgov-nbd@.service" lib/systemd/system/wbgov-nbd@.service

# Man pages and bash completion, generated from the picocli model of the jars just staged.
GEN="$TARGET/deb-gen"
rm -rf "$GEN"
DATE=$(date -u -d "@$EPOCH" +%Y-%m-%d)
java -Djna.tmpdir="$TARGET/jna" -cp "$TARGET/classes:$TARGET/deb-lib/*" wbgov.dist.GenerateDocs \
     "$GEN" "$DATE" "$DEB_VERSION"
for m in "$GEN"/man8/*.8; do
  inst 0644 "$m" "usr/share/man/man8/$(basename "$m")"
  gzip -9n "$STAGE/usr/share/man/man8/$(basename "$m")"
done
inst 0644 "$GEN/bash-completion/wbgov" usr/share/bash-completion/completions/wbgov

# Documentation: copyright (DEP-5), the native package's changelog, an example NBD config.
DOC=usr/share/doc/wbgov
mkdir -p "$STAGE/$DOC"
sed "s/@YEAR@/$(date -u -d "@$EPOCH" +%Y)/" "$SRC/copyright" > "$STAGE/$DOC/copyright"
inst 0644 "$SRC/nbd0.conf.example" "$DOC/examples/nbd0.conf"
mkdir -p "$STAGE/$DOC"
cat > "$STAGE/$DOC/changelog" <<CHANGELOG
wbgov ($DEB_VERSION) unstable; urgency=medium

  * Built from the wbgov repository, Maven version $MVN_VERSION
    ($(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "no git")).

 -- wbgov developers <wbgov@users.noreply.github.com>  $(date -u -R -d "@$EPOCH")
CHANGELOG
gzip -9n "$STAGE/$DOC/changelog"

# Control files.
mkdir -p "$STAGE/DEBIAN"
SIZE=$(du -sk --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@INSTALLED_SIZE@/$SIZE/" "$SRC/control" > "$STAGE/DEBIAN/control"
install -m 0644 "$SRC/conffiles" "$STAGE/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$SRC/$s" "$STAGE/DEBIAN/$s"; done
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
   | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$STAGE/DEBIAN/md5sums"
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -exec touch -h -d "@$EPOCH" {} +

dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB"
echo "built $DEB"
