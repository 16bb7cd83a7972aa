# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base class of the MDM inventory plugins (intune, jamf, amapi).

It reads the config, keeps the device listing in the inventory cache and adds one host per device: its
variables (wrapped unsafe: they come from the MDM), ``interdict_target: mdm`` (a device is reached through its
MDM, never over a connection of its own), its built-in groups under ``group_prefix``, then ``compose``,
``groups`` and ``keyed_groups``. A plugin gives ``NAME``, ``FILE_NAMES``, ``HOST_NAMES`` (its MDM's
``host_names``, the names the engine's reports and exceptions use), ``_devices()`` and
``_host(device, prefix)``.
"""

from __future__ import annotations

from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var


class MDMInventory(BaseInventoryPlugin, Constructable, Cacheable):
    FILE_NAMES = ()  # the config file names the plugin accepts, e.g. ("intune.yml", "intune.yaml")
    HOST_NAMES = None  # staticmethod(host_names): (devices, hostname option) -> {device id: host name}

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(self.FILE_NAMES)

    def _devices(self):
        """Every device the MDM lists; raise AnsibleError (one message, redacted) when the listing fails."""
        raise NotImplementedError

    def _host(self, device, prefix):
        """``(variables, groups)`` of one device: its host variables and its built-in group names."""
        raise NotImplementedError

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        devices = None
        if self.get_option("cache") and cache:
            try:
                devices = self._cache[cache_key]
            except KeyError:
                devices = None
        if devices is None:
            devices = self._devices()
            if self.get_option("cache"):
                self._cache[cache_key] = devices
        self._populate(devices)

    def _populate(self, devices):
        prefix = self.get_option("group_prefix")
        strict = self.get_option("strict")
        names = self.HOST_NAMES(devices, self.get_option("hostname"))
        for device in sorted(devices, key=lambda d: (names[d.get("id")], str(d.get("id")))):
            host = names[device.get("id")]
            self.inventory.add_host(host)
            variables, groups = self._host(device, prefix)
            variables = wrap_var(variables)
            variables["interdict_target"] = "mdm"
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
            for group in groups:
                group = self._sanitize_group_name(group)
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)
