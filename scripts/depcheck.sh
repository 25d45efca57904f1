#!/bin/sh
# Fails if a package other than graph/, keyvault/, arm/ or cmd/ depends on an
# Azure or Graph SDK, if the ARM SDK (armauthorization) is reached by any
# package but arm/ and cmd/, or if the emulator depends on graph/, keyvault/
# or arm/. Test-only
# imports are not counted: tests may drive the real SDK clients.
set -eu
mod=$(go list -m)
bad=0
for pkg in $(go list ./...); do
  case "$pkg" in
    "$mod"/arm|"$mod"/arm/*|"$mod"/cmd/*) continue ;;
    "$mod"/graph|"$mod"/graph/*|"$mod"/keyvault|"$mod"/keyvault/*)
      rm=$(go list -deps "$pkg" | grep -E '^github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/' || true)
      if [ -n "$rm" ]; then echo "depcheck: $pkg depends on the ARM SDK (only arm/ may):"; echo "$rm" | sed 's/^/    /'; bad=1; fi
      continue ;;
  esac
  sdk=$(go list -deps "$pkg" | grep -E '^github.com/(Azure/azure-sdk-for-go|microsoftgraph|microsoft/kiota)' || true)
  if [ -n "$sdk" ]; then
    echo "depcheck: $pkg depends on an Azure SDK:"; echo "$sdk" | sed 's/^/    /'; bad=1
  fi
  case "$pkg" in
    "$mod"/emulator|"$mod"/emulator/*)
      peer=$(go list -deps "$pkg" | grep -E "^$mod/(graph|keyvault|arm)(/|\$)" || true)
      if [ -n "$peer" ]; then echo "depcheck: the emulator must not share code with $peer"; bad=1; fi ;;
  esac
done
[ "$bad" = 0 ] && echo "depcheck: ok"
exit $bad
