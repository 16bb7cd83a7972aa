# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A seeded Intune tenant: devices, the apps on them, app objects, assignments, configurations.

The same seed and size always give the same tenant. State changes the way a
real tenant's does: an uninstall assignment removes an app Intune installed
at the device's next sync; an app the user installed stays. Intune shows
unmanaged apps only for corporate-owned devices, so a personal phone's
user-installed WeChat is on the device (``truth``) but in no Graph answer.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from datetime import datetime, timedelta, timezone

EPOCH = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)  # noqa: UP017

# (name, version, publisher, identifier, managed_by_intune_when_present)
COMMON_APPS = {
    "ios": [
        ("Microsoft Outlook", "4.2445.0", "Microsoft Corporation", "com.microsoft.Office.Outlook", True),
        ("Microsoft Teams", "7.14.1", "Microsoft Corporation", "com.microsoft.skype.teams", True),
        ("Microsoft Authenticator", "6.8.17", "Microsoft Corporation", "com.microsoft.azureauthenticator", True),
        ("Slack", "25.11.10", "Slack Technologies", "com.tinyspeck.chatlyio", False),
        ("Zoom Workplace", "6.3.0", "Zoom Communications", "us.zoom.videomeetings", False),
        ("Google Chrome", "131.0", "Google LLC", "com.google.chrome.ios", False),
        ("WhatsApp Messenger", "25.2.7", "WhatsApp Inc.", "net.whatsapp.WhatsApp", False),
        ("Signal", "7.40", "Signal Messenger", "org.whispersystems.signal", False),
        ("TickTick", "7.3.1", "Appest Limited", "com.appest.TickTick", False),
        ("QQ", "9.1.30", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.mqq", False),
        ("Tencent Meeting", "3.30.2", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.meeting", False),
        ("WeCom", "4.1.33", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.ww", False),
        ("CapCut - Video Editor", "13.2.0", "Bytedance Pte. Ltd", "com.lemon.lvoverseas", False),
    ],
    "android": [
        ("Microsoft Outlook", "4.2445.1", "Microsoft Corporation", "com.microsoft.office.outlook", True),
        ("Microsoft Teams", "1416/1.0.0", "Microsoft Corporation", "com.microsoft.teams", True),
        (
            "Intune Company Portal",
            "5.0.6402",
            "Microsoft Corporation",
            "com.microsoft.windowsintune.companyportal",
            True,
        ),
        ("Slack", "25.11.10", "Slack Technologies", "com.Slack", False),
        ("Google Chrome", "131.0.6778", "Google LLC", "com.android.chrome", False),
        ("WhatsApp Messenger", "2.25.2", "WhatsApp LLC", "com.whatsapp", False),
        ("TickTick", "7.4.0", "Appest Inc.", "com.ticktick.task", False),
        ("QQ", "9.1.30", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.mobileqq", False),
        ("Tencent Meeting", "3.30.2", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.wemeet.app", False),
        ("WeCom", "4.1.33", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.wework", False),
    ],
    "windows": [
        ("Microsoft Edge", "131.0.2903.70", "Microsoft Corporation", "", True),
        ("7-Zip 24.08 (x64)", "24.08", "Igor Pavlov", "", False),
        ("Zoom Workplace", "6.3.0", "Zoom Communications, Inc.", "", False),
        ("Tencent Meeting", "3.30.2", "Tencent Technology (Shenzhen) Company Limited", "", False),
    ],
    "macos": [
        ("Microsoft Outlook", "16.91", "Microsoft Corporation", "com.microsoft.Outlook", True),
        ("Google Chrome", "131.0", "Google LLC", "com.google.Chrome", False),
        ("TickTick", "6.1.0", "Appest Limited", "com.TickTick.task.mac", False),
    ],
}

BANNED_APPS = {
    "ios": [
        ("WeChat", "8.0.54", "WeChat", "com.tencent.xin"),
        ("TikTok", "37.6.0", "TikTok Ltd.", "com.zhiliaoapp.musically"),
        ("Kaspersky Security & VPN", "2.58.0", "AO Kaspersky Lab", "com.kaspersky.securityadvisor"),
    ],
    "android": [
        ("WeChat", "8.0.54", "Tencent Technology (Shenzhen) Company Limited", "com.tencent.mm"),
        ("TikTok", "37.6.3", "TikTok Pte. Ltd.", "com.zhiliaoapp.musically"),
        ("TikTok Lite", "37.1.4", "TikTok Pte. Ltd.", "com.zhiliaoapp.musically.go"),
        ("Kaspersky Security & VPN", "11.118.4", "Kaspersky Lab", "com.kms.free"),
    ],
    "windows": [
        ("WeChat", "3.9.12.17", "Tencent", ""),
        ("Kaspersky Endpoint Security for Windows", "12.6.0.438", "AO Kaspersky Lab", ""),
    ],
    "macos": [
        ("WeChat", "4.0.0", "Tencent", "com.tencent.xinWeChat"),
    ],
}

# Banned apps the tenant once deployed through Intune (allowed before the ban); Kaspersky and
# TikTok Lite never were, so only their users' own copies exist and Intune cannot uninstall them.
DEPLOYED_BANNED = {"com.tencent.xin", "com.zhiliaoapp.musically", "com.tencent.mm"}

# Intune's names for each platform: managedDevice.operatingSystem, detectedApp.platform, export Platform.
OS_NAMES = {"ios": "iOS", "android": "Android", "windows": "Windows", "macos": "macOS"}
DETECTED_PLATFORM = {
    "ios": "ios",
    "android": "androidWorkProfile",
    "windows": "windows",
    "macos": "macOS",
}
APP_TYPES = {"ios": "#microsoft.graph.iosStoreApp", "android": "#microsoft.graph.androidManagedStoreApp"}
OS_MIX = (("ios", 0.45), ("android", 0.35), ("windows", 0.15), ("macos", 0.05))
# managedDevice.deviceCategoryDisplayName: the device category an admin or the user picked at enrollment;
# an empty string when none was (https://learn.microsoft.com/en-us/graph/api/resources/intune-devices-manageddevice,
# v1.0). Taken by device index, so the seeded draws of every other attribute stay as they were.
DEVICE_CATEGORIES = ("Head office", "Liaison office", "Field office", "")
GROUP_NAMES = {
    "corporate_ios": "Corporate iPhones and iPads",
    "corporate_android": "Corporate Android devices",
    "all_phones": "All phones",
}


def stable_id(*parts):
    return str(uuid.UUID(hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]))


class App:
    __slots__ = ("identifier", "key", "name", "platform", "publisher", "version")

    def __init__(self, platform, name, version, publisher, identifier):
        self.platform = platform
        self.name = name
        self.version = version
        self.publisher = publisher
        self.identifier = identifier
        # detectedApp ids are opaque strings in Intune; this one is stable per app and version.
        self.key = hashlib.sha1(f"{platform}|{name}|{version}".encode()).hexdigest()


class Device:
    __slots__ = (
        "apps",
        "id",
        "index",
        "managed",
        "model",
        "name",
        "os",
        "os_version",
        "ownership",
        "serial",
        "supervised",
        "synced",
        "user",
        "work_profile",
    )

    def to_graph(self, now):
        return {
            "id": self.id,
            "deviceName": self.name,
            "operatingSystem": OS_NAMES[self.os],
            "osVersion": self.os_version,
            "managedDeviceOwnerType": self.ownership,
            "complianceState": "compliant" if self.index % 11 else "noncompliant",
            "lastSyncDateTime": (now - timedelta(hours=self.synced)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "isSupervised": self.supervised,
            "serialNumber": self.serial,
            "model": self.model,
            "manufacturer": {"ios": "Apple", "macos": "Apple", "android": "Samsung", "windows": "Dell"}[self.os],
            "userPrincipalName": self.user,
            "managementAgent": "mdm",
            "deviceEnrollmentType": self.enrollment(),
            "deviceCategoryDisplayName": DEVICE_CATEGORIES[self.index % len(DEVICE_CATEGORIES)],
        }

    def enrollment(self):
        """deviceEnrollmentType as Intune reports it (values of Graph's deviceEnrollmentType enum)."""
        if self.ownership != "company":
            return "userEnrollment"
        if self.os == "android":
            return "androidEnterpriseCorporateWorkProfile" if self.work_profile else "androidEnterpriseFullyManaged"
        return {"ios": "appleBulkWithUser", "macos": "appleBulkWithUser"}.get(self.os, "windowsAzureADJoin")


class Fleet:
    """The tenant's data and the rules by which it changes."""

    def __init__(
        self,
        devices=1000,
        seed=42,
        infected_rate=0.02,
        stale_rate=0.01,
        personal_rate=0.3,
        seed_exclusions=False,
        tenant_apps=0,
        work_profile_devices=0,
    ):
        self.lock = threading.RLock()
        self.now = EPOCH
        rng = random.Random(seed)
        self.apps = []
        self._app_index = {}
        for platform, entries in COMMON_APPS.items():
            for name, version, publisher, identifier, _managed in entries:
                self._add_app(platform, name, version, publisher, identifier)
        for platform, entries in BANNED_APPS.items():
            for name, version, publisher, identifier in entries:
                self._add_app(platform, name, version, publisher, identifier)
        typically_managed = {
            self._app_index[(platform, entry[0])]
            for platform, entries in COMMON_APPS.items()
            for entry in entries
            if entry[4]
        }
        common_by_os = {
            platform: [self._app_index[(platform, entry[0])] for entry in entries]
            for platform, entries in COMMON_APPS.items()
        }
        banned_by_os = {
            platform: [self._app_index[(platform, entry[0])] for entry in entries]
            for platform, entries in BANNED_APPS.items()
        }
        self.banned_app_ids = {app for apps in banned_by_os.values() for app in apps}
        self.devices = []
        self.by_id = {}
        for index in range(devices):
            device = Device()
            device.index = index
            draw = rng.random()
            cumulative = 0.0
            for platform, share in OS_MIX:  # noqa: B007 - the loop picks the platform
                cumulative += share
                if draw < cumulative:
                    break
            device.os = platform
            device.id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            prefix = {"ios": "IPH", "android": "AND", "windows": "WIN", "macos": "MAC"}[platform]
            device.name = f"{prefix}-{index:06d}"
            device.ownership = (
                "personal" if rng.random() < personal_rate and platform in ("ios", "android") else "company"
            )
            device.supervised = platform == "ios" and device.ownership == "company" and rng.random() < 0.8
            device.os_version = {"ios": "18.1.1", "android": "14", "windows": "10.0.22631.4460", "macos": "15.1.1"}[
                platform
            ]
            device.model = {
                "ios": "iPhone 15",
                "android": "Galaxy S24",
                "windows": "Latitude 7450",
                "macos": "MacBook Air",
            }[platform]
            device.serial = f"SIM{index:09d}"
            device.user = f"user{index % 5000:04d}@contoso.example"
            device.synced = 24 * 40 + rng.random() * 24 if rng.random() < stale_rate else rng.random() * 48
            common = common_by_os[platform]
            picked = rng.sample(common, rng.randint(3, min(9, len(common))))
            apps = set(picked)
            managed = {app for app in picked if app in typically_managed}
            if rng.random() < infected_rate:
                choices = banned_by_os[platform]
                banned = rng.sample(choices, min(len(choices), 2 if rng.random() < 0.1 else 1))
                for app in banned:
                    apps.add(app)
                    # On corporate phones most banned apps came through an Intune "available"
                    # assignment (they were allowed before the ban); on personal ones the user installed them.
                    deployable = self.apps[app].identifier in DEPLOYED_BANNED
                    if deployable and rng.random() < (0.6 if device.ownership == "company" else 0.2):
                        managed.add(app)
            device.apps = apps
            device.managed = managed
            device.work_profile = False
            self.devices.append(device)
            self.by_id[device.id] = device
        self.groups = {
            stable_id("group", "corporate_ios"): {
                "displayName": GROUP_NAMES["corporate_ios"],
                "members": {d.id for d in self.devices if d.os == "ios" and d.ownership == "company"},
            },
            stable_id("group", "corporate_android"): {
                "displayName": GROUP_NAMES["corporate_android"],
                "members": {d.id for d in self.devices if d.os == "android" and d.ownership == "company"},
            },
            stable_id("group", "all_phones"): {
                "displayName": GROUP_NAMES["all_phones"],
                "members": {d.id for d in self.devices if d.os in ("ios", "android")},
            },
        }
        self.group_ids = {key: stable_id("group", key) for key in GROUP_NAMES}
        self._seed_mobile_apps()
        self._seed_configurations()
        self.compliance_policies = {}  # deviceCompliancePolicies, made by the module under test
        if seed_exclusions:
            self._seed_exclusions()
        self._work_profiles(work_profile_devices)
        self._index_devices_by_app()
        self.tenant_app_entries = self._tenant_apps(tenant_apps, rng)

    # -- seeding -------------------------------------------------------------------

    def _add_app(self, platform, name, version, publisher, identifier):
        self._app_index[(platform, name)] = len(self.apps)
        self.apps.append(App(platform, name, version, publisher, identifier))

    def _seed_mobile_apps(self):
        """Intune app objects: the Store apps the tenant deployed, banned ones included."""
        self.mobile_apps = {}
        all_devices = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
        for platform in ("ios", "android"):
            for app in self.apps:
                if app.platform != platform or not app.identifier:
                    continue
                deployed = app.identifier in {
                    "com.microsoft.Office.Outlook",
                    "com.microsoft.skype.teams",
                    "com.microsoft.office.outlook",
                    "com.microsoft.teams",
                    "com.appest.TickTick",
                    "com.ticktick.task",
                } or (self._app_index_of(app) in self.banned_app_ids and app.identifier in DEPLOYED_BANNED)
                if not deployed:
                    continue
                app_id = stable_id("mobileApp", platform, app.identifier)
                entry = {
                    "@odata.type": APP_TYPES[platform],
                    "id": app_id,
                    "displayName": app.name,
                    "publisher": app.publisher,
                    "assignments": {},
                }
                if platform == "ios":
                    entry["bundleId"] = app.identifier
                    entry["appStoreUrl"] = f"https://apps.apple.com/app/{app.identifier}"
                else:
                    entry["packageId"] = app.identifier
                    entry["appIdentifier"] = app.identifier
                self.mobile_apps[app_id] = entry
                self._assign(entry, "available", all_devices)
        # A conflicting "required" assignment the uninstall must clear: TikTok for corporate iPhones.
        tiktok = self.mobile_apps.get(stable_id("mobileApp", "ios", "com.zhiliaoapp.musically"))
        if tiktok:
            self._assign(
                tiktok,
                "required",
                {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": self.group_ids["corporate_ios"]},
            )

    def _work_profiles(self, count):
        """Corporate Android devices with a work profile, each with a banned app the user put outside it."""
        carriers = [
            d
            for d in self.devices
            if d.os == "android" and d.ownership == "company" and (d.apps - d.managed) & self.banned_app_ids
        ]
        self.work_profile_ids = []
        for device in carriers[:count]:
            device.work_profile = True
            self.work_profile_ids.append(device.id)

    @staticmethod
    def _tenant_apps(count, rng):
        """detectedApps entries of a real tenant's long tail: ``count`` apps, 2-6 versions each, every platform.

        They are in the detectedApps listing (its size is what the inventory pays for) with a device count,
        but on no device this fleet models, so no finding and no ground truth changes.
        """
        entries = []
        for number in range(count):
            for platform in DETECTED_PLATFORM.values():
                for version in range(rng.randint(2, 6)):
                    key = hashlib.sha1(f"tail|{number}|{platform}|{version}".encode()).hexdigest()
                    entries.append(
                        {
                            "id": key,
                            "displayName": f"Line-of-business app {number:05d}",
                            "version": f"{1 + version}.{number % 10}.0",
                            "publisher": f"Vendor {number % 97:02d}",
                            "platform": platform,
                            "sizeInByte": 1000 + number,
                            "deviceCount": rng.randint(1, 500),
                        }
                    )
        return entries

    def _seed_exclusions(self):
        """The customer's exclusion assignments on banned apps: a VIP group kept out of WeChat's and TikTok's."""
        phones = sorted(d.id for d in self.devices if d.os in ("ios", "android") and d.ownership == "company")
        self.exclusion_group_id = self.add_group("VIP phones", phones[:3])
        target = {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": self.exclusion_group_id}
        for platform, identifier, intent in (
            ("ios", "com.tencent.xin", "required"),
            ("android", "com.zhiliaoapp.musically", "available"),
        ):
            app = self.mobile_apps.get(stable_id("mobileApp", platform, identifier))
            if app:
                self._assign(app, intent, dict(target))

    def _app_index_of(self, app):
        return self._app_index[(app.platform, app.name)]

    def _assign(self, mobile_app, intent, target):
        assignment_id = stable_id("assignment", mobile_app["id"], intent, str(len(mobile_app["assignments"])))
        mobile_app["assignments"][assignment_id] = {
            "@odata.type": "#microsoft.graph.mobileAppAssignment",
            "id": assignment_id,
            "intent": intent,
            "target": target,
            "settings": None,
        }
        return mobile_app["assignments"][assignment_id]

    def _seed_configurations(self):
        """The customer's own restrictions profile, with an entry of theirs that must survive."""
        config_id = stable_id("deviceConfiguration", "customer-ios")
        self.configurations = {
            config_id: {
                "@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration",
                "id": config_id,
                "displayName": "Contoso iOS restrictions",
                "description": "Corporate baseline",
                "version": 3,
                "compliantAppListType": "appsNotInListCompliant",
                "compliantAppsList": [
                    {
                        "@odata.type": "#microsoft.graph.appListItem",
                        "name": "Fortnite",
                        "publisher": "Epic Games",
                        "appStoreUrl": None,
                        "appId": "com.epicgames.fortnite",
                    }
                ],
                "appsVisibilityListType": "none",
                "appsVisibilityList": [],
                "assignments": {},
            }
        }

    def _index_devices_by_app(self):
        with self.lock:
            self.devices_by_app = {}
            for device in self.devices:
                for app in self.visible_apps(device):
                    self.devices_by_app.setdefault(app, []).append(device)

    def add_group(self, name, device_ids):
        """An Entra group holding these devices (for example the excepted ones); returns its id."""
        with self.lock:
            group_id = stable_id("group", name)
            self.groups[group_id] = {"displayName": name, "members": set(device_ids)}
            return group_id

    # -- what Intune can see ---------------------------------------------------------

    def visible_apps(self, device):
        """Apps Graph reports for a device: all of them on corporate devices, managed ones on personal."""
        if device.ownership == "company" and not device.work_profile:
            return device.apps
        # Personal devices and work profiles: only what Intune manages (the work profile's apps).
        return device.apps & device.managed

    def detected_apps(self):
        """Tenant-wide detectedApps: one entry per app and version with a device count."""
        with self.lock:
            entries = []
            for app_index in sorted(self.devices_by_app):
                app = self.apps[app_index]
                entries.append(
                    {
                        "id": app.key,
                        "displayName": app.name,
                        "version": app.version,
                        "publisher": app.publisher,
                        "platform": DETECTED_PLATFORM[app.platform],
                        "sizeInByte": 1000 + app_index,
                        "deviceCount": len(self.devices_by_app[app_index]),
                    }
                )
            return entries + self.tenant_app_entries

    def app_by_key(self, key):
        for index, app in enumerate(self.apps):
            if app.key == key:
                return index, app
        return None, None

    def inventory_rows(self, names=None):
        """AppInvRawData rows (all visible apps, or only those whose name is in ``names``)."""
        with self.lock:
            rows = []
            for app_index in sorted(self.devices_by_app):
                app = self.apps[app_index]
                if names is not None and app.name not in names:
                    continue
                for device in self.devices_by_app[app_index]:
                    rows.append(
                        {
                            "ApplicationKey": app.identifier or app.key,
                            "ApplicationName": app.name,
                            "ApplicationPublisher": app.publisher,
                            "ApplicationShortVersion": app.version,
                            "ApplicationVersion": app.version,
                            "DeviceId": device.id,
                            "DeviceName": device.name,
                            "OSDescription": OS_NAMES[device.os],
                            "OSVersion": device.os_version,
                            "Platform": OS_NAMES[device.os],
                            "UserId": stable_id("user", device.user),
                            "UserName": device.user.split("@")[0],
                            "EmailAddress": device.user,
                        }
                    )
            return rows

    # -- state changes -------------------------------------------------------------------

    def targets_device(self, target, device):
        kind = target.get("@odata.type", "")
        if kind.endswith("allDevicesAssignmentTarget") or kind.endswith("allLicensedUsersAssignmentTarget"):
            return True
        if kind.endswith("groupAssignmentTarget") and not kind.endswith("exclusionGroupAssignmentTarget"):
            return device.id in self.groups.get(target.get("groupId"), {}).get("members", ())
        return False

    def excluded(self, assignments, device):
        return any(
            a["target"].get("@odata.type", "").endswith("exclusionGroupAssignmentTarget")
            and device.id in self.groups.get(a["target"].get("groupId"), {}).get("members", ())
            for a in assignments
        )

    def sync(self, device_ids=None, advance_hours=1.0):
        """Devices check in: apply uninstall assignments to apps Intune manages. Returns what was removed."""
        removed = []
        with self.lock:
            self.now += timedelta(hours=advance_hours)
            for device in (
                self.devices if device_ids is None else [self.by_id[i] for i in device_ids if i in self.by_id]
            ):
                for mobile_app in self.mobile_apps.values():
                    identifier = mobile_app.get("bundleId") or mobile_app.get("packageId")
                    platform = "ios" if "bundleId" in mobile_app else "android"
                    if platform != device.os:
                        continue
                    assignments = list(mobile_app["assignments"].values())
                    if self.excluded(assignments, device):
                        continue
                    intents = {a["intent"] for a in assignments if self.targets_device(a["target"], device)}
                    # Intune's conflict rule: Required beats Uninstall.
                    if "uninstall" not in intents or "required" in intents:
                        continue
                    for app_index in list(device.apps):
                        app = self.apps[app_index]
                        if app.platform == platform and app.identifier == identifier and app_index in device.managed:
                            device.apps.discard(app_index)
                            device.managed.discard(app_index)
                            removed.append({"device_id": device.id, "app": app.name})
                device.synced = 0.0
            self._index_devices_by_app()
        return removed

    def truth(self):
        """Every banned app really on a device, visible to Intune or not (the tests' ground truth)."""
        with self.lock:
            out = []
            for device in self.devices:
                for app_index in sorted(device.apps & self.banned_app_ids):
                    out.append(
                        {
                            "device_id": device.id,
                            "device_name": device.name,
                            "platform": device.os,
                            "app": self.apps[app_index].name,
                            "identifier": self.apps[app_index].identifier,
                            "managed": app_index in device.managed,
                            "visible": app_index in self.visible_apps(device),
                            "ownership": device.ownership,
                            "stale": device.synced > 24 * 30,
                        }
                    )
            return out
