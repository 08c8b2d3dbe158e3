# tools/vm/common.sh - sourced by the qemu lane scripts: where the cache is.
#
# The guest kernel and the initramfs live outside the repository, in one cache
# folder shared by every checkout and build directory on the machine:
# $FENCEWAY_VM_CACHE if set, else /var/cache/fenceway-vm when we may write
# there (root, CI), else ~/.cache/fenceway-vm.
fw_vm_cache_dir() {
  if [ -n "${FENCEWAY_VM_CACHE:-}" ]; then
    printf '%s\n' "$FENCEWAY_VM_CACHE"
  elif [ -w /var/cache ] || [ -w /var/cache/fenceway-vm ]; then
    printf '%s\n' /var/cache/fenceway-vm
  else
    printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/fenceway-vm"
  fi
}
