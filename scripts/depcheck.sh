#!/bin/sh
# Fails if a package other than graph/, keyvault/ or cmd/ depends on an Azure
# or Graph SDK, or if the emulator depends on graph/ or keyvault/. Test-only
# imports are not counted: tests may drive the real SDK clients.
set -eu
mod=$(go list -m)
bad=0
for pkg in $(go list ./...); do
  case "$pkg" in
    "$mod"/graph|"$mod"/graph/*|"$mod"/keyvault|"$mod"/keyvault/*|"$mod"/cmd/*) continue ;;
  esac
  sdk=$(go list -deps "$pkg" | grep -E '^github.com/(Azure/azure-sdk-for-go|microsoftgraph|microsoft/kiota)' || true)
  if [ -n "$sdk" ]; then
    echo "depcheck: $pkg depends on an Azure SDK:"; echo "$sdk" | sed 's/^/    /'; bad=1
  fi
  case "$pkg" in
    "$mod"/emulator|"$mod"/emulator/*)
      peer=$(go list -deps "$pkg" | grep -E "^$mod/(graph|keyvault)(/|\$)" || true)
      if [ -n "$peer" ]; then echo "depcheck: the emulator must not share code with $peer"; bad=1; fi ;;
  esac
done
[ "$bad" = 0 ] && echo "depcheck: ok"
exit $bad
