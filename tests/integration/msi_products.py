"""Test MSIs with Kaspersky-like names and codes, built with wixl (Debian msitools/wixl).

Used by tests/integration/test_msi_wine.py (Wine) and by the Molecule scenario
``windows`` (a real Windows host). Run as a script to build them into a folder:
``python tests/integration/msi_products.py OUTDIR``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

WIXL = shutil.which("wixl")

KES_PASSWORD = "S3cret-KES pass"  # a space and no quote: the MSI condition compares it literally
AGENT_PASSWORD = "Agent-Pa55"
# UTF-16LE hex of AGENT_PASSWORD, written out by hand so the test does not reuse the code under test.
AGENT_PASSWORD_HEX = "4100670065006E0074002D005000610035003500"

PRODUCTS = {
    "kes": {
        "code": "{6B2C1C8E-4F5A-4D2B-9E61-3A7C0F1D2E01}",
        "name": "Kaspersky Endpoint Security for Windows (test)",
        "arch": "x86",  # lands under WOW6432Node, like the real 32-bit installer
        "condition": f'NOT Installed OR (KLLOGIN = "KLAdmin" AND KLPASSWD = "{KES_PASSWORD}")',
    },
    "agent": {
        "code": "{0F9E8D7C-6B5A-4938-8271-605F4E3D2C01}",
        "name": "Kaspersky Security Center Network Agent (test)",
        "arch": "x64",
        "condition": f'NOT Installed OR KLUNINSTPASSWD = "{AGENT_PASSWORD_HEX}"',
    },
    "antivirus": {
        "code": "{3C4D5E6F-7A8B-4C9D-8E0F-1A2B3C4D5E01}",
        "name": "Kaspersky Anti-Virus (test)",
        "arch": "x86",
        "condition": None,
    },
}


# A per-user MSI (InstallScope perUser): on Windows its Uninstall entry is in the user's own hive, and only that user's
# msiexec sees it (anyone else gets 1605).
PER_USER_PRODUCT = {
    "code": "{5A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C01}",
    "name": "Kaspersky Anti-Virus (per-user test)",
}


def _per_user_wxs(product):
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{product["code"]}" Name="{product["name"]}" Language="1033" Version="21.0.0.1"
           Manufacturer="AO Kaspersky Lab" UpgradeCode="{{5A1B2C3D-0000-4000-8000-000000000001}}">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perUser"/>
    <Media Id="1" Cabinet="product.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="LocalAppDataFolder">
        <Directory Id="INSTALLDIR" Name="InterdictUser">
          <Component Id="MainFile" Guid="{{5A1B2C3D-1111-4000-8000-000000000001}}">
            <RegistryValue Root="HKCU" Key="Software\\InterdictUser" Name="installed" Type="integer" Value="1"
                           KeyPath="yes"/>
            <File Id="readme" Name="readme.txt" Source="readme.txt"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="MainFile"/></Feature>
  </Product>
</Wix>
"""


def _build(directory, name, wxs, readme, arch=None):
    """Write ``wxs`` and a readme into ``directory`` and build ``<name>.msi`` with wixl; returns its path."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "readme.txt"), "w", encoding="utf-8") as handle:
        handle.write(readme)
    source = os.path.join(directory, f"{name}.wxs")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write(wxs)
    target = os.path.join(directory, f"{name}.msi")
    subprocess.run([WIXL or "wixl", *(["-a", arch] if arch else []), "-o", target, source], cwd=directory, check=True)
    return target


def build_per_user_msi(directory):
    """Build the per-user test MSI with wixl; returns its path."""
    return _build(directory, "per_user", _per_user_wxs(PER_USER_PRODUCT), "interdict.bans per-user test product\n")


# An installation that keeps Windows Installer busy: a deferred custom action (inside the execute sequence, where
# Windows holds its one-installation-at-a-time mutex) writes BUSY_MARKER, then waits about BUSY_SECONDS. It runs
# the 64-bit cmd.exe (System64Folder), the only one a 64-bit Wine prefix has.
BUSY_PRODUCT = {
    "code": "{7D1E2F30-4A5B-4C6D-8E7F-901A2B3C4D01}",
    "name": "Interdict busy installer (test)",
}
BUSY_MARKER = "C:\\interdict-busy.txt"
BUSY_SECONDS = 20


def _busy_wxs(product):
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{product["code"]}" Name="{product["name"]}" Language="1033" Version="1.0.0.0"
           Manufacturer="interdict.bans tests" UpgradeCode="{{7D1E2F30-0000-4000-8000-000000000001}}">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="product.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="InterdictBusy">
          <Component Id="MainFile" Guid="{{7D1E2F30-1111-4000-8000-000000000001}}">
            <File Id="readme" Name="readme.txt" Source="readme.txt"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="MainFile"/></Feature>
    <CustomAction Id="FindCmd" Property="BUSYCMD" Value="[System64Folder]cmd.exe"/>
    <CustomAction Id="StayBusy" Property="BUSYCMD" Execute="deferred" Impersonate="no" Return="check"
                  ExeCommand="/c echo busy&gt;{BUSY_MARKER} &amp; ping -n {BUSY_SECONDS + 1} 127.0.0.1 &gt;nul"/>
    <InstallExecuteSequence>
      <Custom Action="FindCmd" After="CostFinalize">NOT Installed</Custom>
      <Custom Action="StayBusy" After="InstallFiles">NOT Installed</Custom>
    </InstallExecuteSequence>
  </Product>
</Wix>
"""


def build_busy_msi(directory):
    """Build the busy test MSI with wixl; returns its path."""
    return _build(directory, "busy", _busy_wxs(BUSY_PRODUCT), "interdict.bans busy test product\n", arch="x64")


def _wxs(product, index):
    condition = (
        f'<Condition Message="uninstall password required">{_xml(product["condition"])}</Condition>'
        if product["condition"]
        else ""
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="{product["code"]}" Name="{product["name"]}" Language="1033" Version="12.9.0.{index}"
           Manufacturer="AO Kaspersky Lab" UpgradeCode="{{6B2C1C8E-0000-4000-8000-0000000000{index:02d}}}">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="product.cab" EmbedCab="yes"/>
    {condition}
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="InterdictTest{index}">
          <Component Id="MainFile" Guid="{{6B2C1C8E-1111-4000-8000-0000000000{index:02d}}}">
            <File Id="readme" Name="readme.txt" Source="readme.txt"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="MainFile"/></Feature>
  </Product>
</Wix>
"""


def _xml(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_msis(directory):
    """Build the test MSIs with wixl; returns {key: path}. Also used by the Windows Molecule scenario."""
    return {
        key: _build(directory, key, _wxs(product, index), "interdict.bans test product\n", arch=product["arch"])
        for index, (key, product) in enumerate(PRODUCTS.items(), start=1)
    }


if __name__ == "__main__":
    for path in build_msis(sys.argv[1]).values():
        print(path)
