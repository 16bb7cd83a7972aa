#!powershell

# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -CSharpUtil ansible_collections.ansible.windows.plugins.module_utils.Process
#Requires -Module Ansible.ModuleUtils.AddType
#Requires -Module Ansible.ModuleUtils.PrivilegeUtil

# Gathers, decides nothing: every record goes back to the controller, which matches and plans.

$spec = @{
    options = @{
        load_user_hives = @{ type = 'bool'; default = $true }
        residue = @{ type = 'bool'; default = $true }
        registry_keys = @{ type = 'list'; elements = 'str'; default = @() }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

$records = [System.Collections.Generic.List[Object]]@()
$sourceStates = [System.Collections.Generic.List[Object]]@()
$uninstallPath = 'Software\Microsoft\Windows\CurrentVersion\Uninstall'
$uninstallWow = 'Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall'

foreach ($path in $module.Params.registry_keys) {
    if ($path -notmatch '^HKLM:\\[^*?]+$') {
        $module.FailJson("registry_keys: '$path' is not a key path under HKLM:\ (wildcards are not allowed)")
    }
}

Function Add-SourceState {
    # One entry of interdict_sources, in the shape contract.source_state() builds on the controller.
    param([String]$Source, [String]$State, [Int32]$Records = 0, [String]$Reason = '')
    if ($Reason.Length -gt 500) { $Reason = $Reason.Substring(0, 500) }
    $sourceStates.Add(@{ source = $Source; state = $State; records = $Records; reason = $Reason })
}

# Hives of users who are not logged on are loaded and unloaded with the registry API, as ansible.windows'
# win_regedit does (RegLoadKey/RegUnLoadKey under HKLM, with SeBackupPrivilege and SeRestorePrivilege).
$hiveUtil = @'
using System;
using System.Runtime.InteropServices;

namespace Interdict.Bans
{
    public static class Hive
    {
        private const UInt32 HKEY_LOCAL_MACHINE = 0x80000002;

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int RegLoadKeyW(UInt32 hKey, string lpSubKey, string lpFile);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int RegUnLoadKeyW(UInt32 hKey, string lpSubKey);

        // Both return the Win32 error code, 0 on success.
        public static int Load(string name, string path) { return RegLoadKeyW(HKEY_LOCAL_MACHINE, name, path); }

        public static int Unload(string name)
        {
            // Handles to the hive's keys not yet collected keep it loaded.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return RegUnLoadKeyW(HKEY_LOCAL_MACHINE, name);
        }
    }
}
'@
Add-CSharpType -References $hiveUtil -AnsibleModule $module

# What an uninstaller file shows of its type: the NSIS stub's manifest names "Nullsoft.NSIS.exehead". Only the first
# MiB of the file is read; the controller decides what the marker means.
$nsisMarker = [System.Text.Encoding]::ASCII.GetBytes('Nullsoft.NSIS.exehead')

Function Test-FileMarker {
    param([String]$CommandLine, [Byte[]]$Marker)
    if (-not $CommandLine) { return $false }
    try {
        $path = [Ansible.Windows.Process.ProcessUtil]::CommandLineToArgv($CommandLine)[0]
        # Host data: only a local drive path is opened (a UNC path would make this account authenticate to the
        # share it names, a device path could block).
        if ($path -notmatch '^[A-Za-z]:\\[^:*?"<>|]+$') { return $false }
        if (-not [System.IO.File]::Exists($path)) { return $false }
        $stream = [System.IO.File]::Open($path, 'Open', 'Read', 'ReadWrite')
        try {
            $buffer = New-Object -TypeName Byte[] -ArgumentList ([Math]::Min($stream.Length, 1048576))
            $read = $stream.Read($buffer, 0, $buffer.Length)
        }
        finally { $stream.Dispose() }
        $text = [System.Text.Encoding]::GetEncoding(28591).GetString($buffer, 0, $read)
        return $text.Contains([System.Text.Encoding]::GetEncoding(28591).GetString($Marker))
    }
    catch { return $false }
}

Function Get-Value {
    param($Key, [String]$Name)
    $value = $Key.GetValue($Name, $null)
    if ($null -eq $value) { return '' }
    return [String]$value
}

Function Add-UninstallRecord {
    # Adds a record per Uninstall entry; returns how many, or -1 when the Uninstall key does not exist.
    # An entry that cannot be read is named in $Problems, so its source is reported partial.
    param($BaseKey, [String]$Path, [String]$Source, [String]$User, $Problems)
    $root = $BaseKey.OpenSubKey($Path, $false)
    if ($null -eq $root) { return -1 }
    $count = 0
    try {
        foreach ($name in $root.GetSubKeyNames()) {
            try {
                $key = $root.OpenSubKey($name, $false)
            }
            catch {
                $Problems.Add("$Path\${name}: $($_.Exception.Message)")
                continue
            }
            if ($null -eq $key) { continue }
            try {
                $displayName = Get-Value $key 'DisplayName'
                if (-not $displayName) { continue }
                $record = @{
                    name = $displayName
                    version = Get-Value $key 'DisplayVersion'
                    publisher = Get-Value $key 'Publisher'
                    platform = 'windows'
                    source = $Source
                    identifier = $name
                    uninstall_string = Get-Value $key 'UninstallString'
                    quiet_uninstall_string = Get-Value $key 'QuietUninstallString'
                    install_location = Get-Value $key 'InstallLocation'
                    windows_installer = ((Get-Value $key 'WindowsInstaller') -eq '1')
                    system_component = ((Get-Value $key 'SystemComponent') -eq '1')
                    parent_key_name = Get-Value $key 'ParentKeyName'
                    # A WiX Burn bundle's entry carries its upgrade code; its packages are hidden entries.
                    bundle = [bool](Get-Value $key 'BundleUpgradeCode')
                    inno_setup_version = Get-Value $key 'Inno Setup: Setup Version'
                }
                if (-not $record.windows_installer -and -not $record.inno_setup_version -and -not $record.quiet_uninstall_string) {
                    $record.nsis_marker = Test-FileMarker -CommandLine $record.uninstall_string -Marker $nsisMarker
                }
                if ($User) { $record.user = $User }
                $records.Add($record)
                $count++
            }
            finally { $key.Dispose() }
        }
    }
    finally { $root.Dispose() }
    return $count
}

Function Get-ProblemText {
    param($Problems)
    $text = "$($Problems.Count) could not be read: " + (@($Problems | Select-Object -First 5) -join '; ')
    if ($Problems.Count -gt 5) { $text += '; ...' }
    return $text
}

Function Dismount-UserHive {
    # Unloads a hive, retried while a key handle still holds it; returns '' or why it stays loaded.
    param([String]$Name)
    $rc = 0
    foreach ($attempt in 1..5) {
        $rc = [Interdict.Bans.Hive]::Unload($Name)
        if ($rc -eq 0) { return '' }
        Start-Sleep -Milliseconds (200 * $attempt)
    }
    return "hive could not be unloaded: $((New-Object System.ComponentModel.Win32Exception $rc).Message) ($rc)"
}

# Machine-wide: 64-bit view and the 32-bit (WOW6432Node) view.
$hklm = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
try {
    foreach ($view in @(@{ source = 'registry'; path = $uninstallPath }, @{ source = 'registry_wow64'; path = $uninstallWow })) {
        $problems = [System.Collections.Generic.List[String]]@()
        try {
            $count = Add-UninstallRecord -BaseKey $hklm -Path $view.path -Source $view.source -Problems $problems
            if ($count -lt 0 -and $view.source -eq 'registry_wow64') {
                Add-SourceState -Source $view.source -State 'absent' -Reason 'no 32-bit registry view on this host'
            }
            elseif ($problems.Count -gt 0) {
                Add-SourceState -Source $view.source -State 'partial' -Records ([Math]::Max(0, $count)) -Reason "Uninstall entries: $(Get-ProblemText $problems)"
            }
            else { Add-SourceState -Source $view.source -State 'read' -Records ([Math]::Max(0, $count)) }
        }
        catch { Add-SourceState -Source $view.source -State 'failed' -Reason $_.Exception.Message }
    }
}
finally { $hklm.Dispose() }

# Every user's hive: loaded ones under HKU, the others loaded from NTUSER.DAT, only read, and always unloaded.
# Any profile that could not be read makes registry_user partial: its per-user installs are unknown.
$hku = [Microsoft.Win32.Registry]::Users
$userProblems = [System.Collections.Generic.List[String]]@()
$userRecords = 0
$profileError = $null
try {
    $profiles = @(Get-CimInstance -ClassName Win32_UserProfile -Filter 'Special = FALSE' -ErrorAction Stop)
}
catch {
    $profiles = @()
    $profileError = $_.Exception.Message
}
$loadedSids = @($hku.GetSubKeyNames())
# Users with an interactive session (an explorer.exe of theirs): only they can run a per-user uninstaller.
$sessionSids = @()
try {
    $sessionSids = @(Get-CimInstance -ClassName Win32_Process -Filter "Name = 'explorer.exe'" -ErrorAction Stop |
            ForEach-Object { (Invoke-CimMethod -InputObject $_ -MethodName GetOwnerSid -ErrorAction SilentlyContinue).Sid } |
            Where-Object { $_ })
}
catch { $userProblems.Add("logged-on users could not be listed: $($_.Exception.Message)") }
$hivePrivileges = $false
if ($module.Params.load_user_hives) {
    try {
        Set-AnsiblePrivilege -Name SeBackupPrivilege -Value $true
        Set-AnsiblePrivilege -Name SeRestorePrivilege -Value $true
        $hivePrivileges = $true
    }
    catch { $userProblems.Add("SeBackupPrivilege/SeRestorePrivilege could not be enabled: $($_.Exception.Message)") }
}
$firstUserRecord = $records.Count
foreach ($userProfile in $profiles) {
    $sid = [String]$userProfile.SID
    try {
        if ($loadedSids -contains $sid) {
            foreach ($path in @($uninstallPath, $uninstallWow)) {
                $count = Add-UninstallRecord -BaseKey $hku -Path "$sid\$path" -Source 'registry_user' -User $sid -Problems $userProblems
                $userRecords += [Math]::Max(0, $count)
            }
            continue
        }
        $hive = Join-Path $userProfile.LocalPath 'NTUSER.DAT'
        if (-not $module.Params.load_user_hives) {
            $userProblems.Add("${sid}: hive not loaded (load_user_hives is false)")
            continue
        }
        if (-not (Test-Path -LiteralPath $hive)) {
            $userProblems.Add("${sid}: no hive at $hive")
            continue
        }
        if (-not $hivePrivileges) {
            $userProblems.Add("${sid}: hive not loaded (no backup/restore privilege)")
            continue
        }
        $mount = "interdict_bans_$($sid -replace '[^0-9A-Za-z-]', '_')"
        # A mount left by an earlier run that could not unload it is unloaded first.
        if (Test-Path -LiteralPath "HKLM:\$mount") {
            $why = Dismount-UserHive -Name $mount
            if ($why) {
                $userProblems.Add("${sid}: an earlier mount HKLM\$mount is still loaded, $why")
                continue
            }
        }
        $rc = [Interdict.Bans.Hive]::Load($mount, $hive)
        if ($rc -ne 0) {
            $userProblems.Add("${sid}: hive could not be loaded: $((New-Object System.ComponentModel.Win32Exception $rc).Message) ($rc)")
            continue
        }
        $hklmView = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Default)
        try {
            foreach ($path in @($uninstallPath, $uninstallWow)) {
                $count = Add-UninstallRecord -BaseKey $hklmView -Path "$mount\$path" -Source 'registry_user' -User $sid -Problems $userProblems
                $userRecords += [Math]::Max(0, $count)
            }
        }
        finally {
            $hklmView.Dispose()
            $why = Dismount-UserHive -Name $mount
            if ($why) { $userProblems.Add("${sid}: $why") }
        }
    }
    catch { $userProblems.Add("${sid}: $($_.Exception.Message)") }
}
for ($index = $firstUserRecord; $index -lt $records.Count; $index++) {
    $records[$index].user_logged_on = $sessionSids -contains $records[$index].user
}
if ($null -ne $profileError) {
    Add-SourceState -Source 'registry_user' -State 'failed' -Reason "user profiles could not be listed: $profileError"
}
elseif ($userProblems.Count -gt 0) {
    Add-SourceState -Source 'registry_user' -State 'partial' -Records $userRecords -Reason "user hives: $(Get-ProblemText $userProblems)"
}
else { Add-SourceState -Source 'registry_user' -State 'read' -Records $userRecords }

# Store apps for every user, and the packages provisioned for new profiles (absent where the cmdlets are).
if (-not (Get-Command -Name Get-AppxPackage -ErrorAction SilentlyContinue)) {
    Add-SourceState -Source 'appx' -State 'absent' -Reason 'Get-AppxPackage is not available on this host'
}
else {
    try {
        $count = 0
        foreach ($package in @(Get-AppxPackage -AllUsers -ErrorAction Stop)) {
            $users = @($package.PackageUserInformation | ForEach-Object { [String]$_.UserSecurityId.Sid })
            $records.Add(@{
                name = $package.Name
                version = [String]$package.Version
                publisher = [String]$package.Publisher
                signer = [String]$package.Publisher
                platform = 'windows'
                source = 'appx'
                identifier = $package.PackageFamilyName
                package_name = $package.Name
                package_full_name = $package.PackageFullName
                install_location = [String]$package.InstallLocation
                users = $users
            })
            $count++
        }
        Add-SourceState -Source 'appx' -State 'read' -Records $count
    }
    catch { Add-SourceState -Source 'appx' -State 'failed' -Reason $_.Exception.Message }
}
if (-not (Get-Command -Name Get-AppxProvisionedPackage -ErrorAction SilentlyContinue)) {
    Add-SourceState -Source 'appx_provisioned' -State 'absent' -Reason 'Get-AppxProvisionedPackage is not available on this host'
}
else {
    try {
        $count = 0
        foreach ($package in @(Get-AppxProvisionedPackage -Online -ErrorAction Stop)) {
            $records.Add(@{
                name = $package.DisplayName
                version = [String]$package.Version
                publisher = [String]$package.PublisherId
                platform = 'windows'
                source = 'appx_provisioned'
                identifier = "$($package.DisplayName)_$($package.PublisherId)"
                package_name = $package.DisplayName
                package_full_name = $package.PackageName
            })
            $count++
        }
        Add-SourceState -Source 'appx_provisioned' -State 'read' -Records $count
    }
    catch { Add-SourceState -Source 'appx_provisioned' -State 'failed' -Reason $_.Exception.Message }
}

if ($module.Params.residue) {
    # Every service and driver: the controller decides which belong to a banned product.
    foreach ($class in @(@{ name = 'Win32_Service'; source = 'service' }, @{ name = 'Win32_SystemDriver'; source = 'driver' })) {
        try {
            $count = 0
            foreach ($service in @(Get-CimInstance -ClassName $class.name -ErrorAction Stop)) {
                $records.Add(@{
                    name = [String]$service.DisplayName
                    version = ''
                    publisher = ''
                    platform = 'windows'
                    source = $class.source
                    identifier = [String]$service.Name
                    path = [String]$service.PathName
                    state = [String]$service.State
                })
                $count++
            }
            Add-SourceState -Source $class.source -State 'read' -Records $count
        }
        catch { Add-SourceState -Source $class.source -State 'failed' -Reason $_.Exception.Message }
    }

    # The registry keys the bans name as residue (registry_keys): each one present is a record.
    if (@($module.Params.registry_keys).Count -gt 0) {
        $count = 0
        $keyProblems = [System.Collections.Generic.List[String]]@()
        foreach ($path in $module.Params.registry_keys) {
            try {
                if (Test-Path -LiteralPath $path) {
                    $records.Add(@{
                        name = Split-Path -Path $path -Leaf
                        version = ''
                        publisher = ''
                        platform = 'windows'
                        source = 'registry_key'
                        identifier = $path
                        path = $path
                    })
                    $count++
                }
            }
            catch { $keyProblems.Add("${path}: $($_.Exception.Message)") }
        }
        if ($keyProblems.Count -gt 0) {
            Add-SourceState -Source 'registry_key' -State 'partial' -Records $count -Reason "registry keys: $(Get-ProblemText $keyProblems)"
        }
        else { Add-SourceState -Source 'registry_key' -State 'read' -Records $count }
    }

    try {
        $count = 0
        foreach ($cert in @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\Root' -ErrorAction Stop)) {
            $records.Add(@{
                name = [String]$cert.GetNameInfo([System.Security.Cryptography.X509Certificates.X509NameType]::SimpleName, $false)
                version = ''
                publisher = [String]$cert.GetNameInfo([System.Security.Cryptography.X509Certificates.X509NameType]::SimpleName, $true)
                signer = [String]$cert.Subject
                platform = 'windows'
                source = 'certificate'
                identifier = [String]$cert.Thumbprint
                thumbprint = [String]$cert.Thumbprint
                store = 'Root'
            })
            $count++
        }
        Add-SourceState -Source 'certificate' -State 'read' -Records $count
    }
    catch { Add-SourceState -Source 'certificate' -State 'failed' -Reason $_.Exception.Message }
}

# Blocks in force: the local AppLocker policy (what we merge into), the effective one, and AppIDSvc.
$applocker = @{ policy = ''; effective = ''; appidsvc = @{ status = 'missing'; start_mode = '' } }
try {
    $applocker.policy = [String](Get-AppLockerPolicy -Local -Xml -ErrorAction Stop)
    $applocker.effective = [String](Get-AppLockerPolicy -Effective -Xml -ErrorAction Stop)
}
catch { $applocker.error = $_.Exception.Message }
$appid = Get-CimInstance -ClassName Win32_Service -Filter "Name = 'AppIDSvc'" -ErrorAction SilentlyContinue
if ($appid) { $applocker.appidsvc = @{ status = [String]$appid.State; start_mode = [String]$appid.StartMode } }
$edition = (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction SilentlyContinue)
$applocker.edition = if ($edition) { [String]$edition.EditionID } else { '' }
# Rule collection extensions (services enforcement) exist from build 10240 on; the controller decides.
$applocker.build = if ($edition) { [String]$edition.CurrentBuildNumber } else { '' }

$module.Result.ansible_facts = @{
    interdict_software = $records
    interdict_blocks = @{ applocker = @($applocker) }
    interdict_sources = @{ platform = 'windows'; sources = @($sourceStates) }
}
$module.ExitJson()
