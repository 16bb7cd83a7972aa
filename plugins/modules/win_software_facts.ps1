#!powershell

# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

# Gathers, decides nothing: every record goes back to the controller, which matches and plans.

$spec = @{
    options = @{
        load_user_hives = @{ type = 'bool'; default = $true }
        residue = @{ type = 'bool'; default = $true }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

$records = [System.Collections.Generic.List[Object]]@()
$sources = @{}
$uninstallPath = 'Software\Microsoft\Windows\CurrentVersion\Uninstall'
$uninstallWow = 'Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall'

Function Get-Value {
    param($Key, [String]$Name)
    $value = $Key.GetValue($Name, $null)
    if ($null -eq $value) { return '' }
    return [String]$value
}

Function Add-UninstallRecord {
    param($BaseKey, [String]$Path, [String]$Source, [String]$User)
    $root = $BaseKey.OpenSubKey($Path, $false)
    if ($null -eq $root) { return }
    try {
        foreach ($name in $root.GetSubKeyNames()) {
            $key = $root.OpenSubKey($name, $false)
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
                }
                if ($User) { $record.user = $User }
                $records.Add($record)
            }
            finally { $key.Dispose() }
        }
    }
    finally { $root.Dispose() }
}

# Machine-wide: 64-bit view and the 32-bit (WOW6432Node) view.
$hklm = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
try {
    Add-UninstallRecord -BaseKey $hklm -Path $uninstallPath -Source 'registry'
    Add-UninstallRecord -BaseKey $hklm -Path $uninstallWow -Source 'registry_wow64'
    $sources.registry = 'read'
}
finally { $hklm.Dispose() }

# Every user's hive: loaded ones under HKU, the others loaded read-only from NTUSER.DAT and always unloaded.
$hku = [Microsoft.Win32.Registry]::Users
$loadedSids = @($hku.GetSubKeyNames())
$profiles = @(Get-CimInstance -ClassName Win32_UserProfile -Filter 'Special = FALSE' -ErrorAction SilentlyContinue)
$unreadProfiles = [System.Collections.Generic.List[String]]@()
foreach ($userProfile in $profiles) {
    $sid = $userProfile.SID
    if ($loadedSids -contains $sid) {
        Add-UninstallRecord -BaseKey $hku -Path "$sid\$uninstallPath" -Source 'registry_user' -User $sid
        Add-UninstallRecord -BaseKey $hku -Path "$sid\$uninstallWow" -Source 'registry_user' -User $sid
        continue
    }
    $hive = Join-Path $userProfile.LocalPath 'NTUSER.DAT'
    if (-not $module.Params.load_user_hives -or -not (Test-Path -LiteralPath $hive)) {
        $unreadProfiles.Add($sid)
        continue
    }
    $mount = "interdict_bans_$($sid -replace '[^0-9A-Za-z-]', '_')"
    # reg.exe load has no read-only switch; the hive is only opened for reading and unloaded in finally.
    $null = & reg.exe load "HKU\$mount" $hive 2>&1
    if ($LASTEXITCODE -ne 0) {
        $unreadProfiles.Add($sid)
        continue
    }
    try {
        Add-UninstallRecord -BaseKey $hku -Path "$mount\$uninstallPath" -Source 'registry_user' -User $sid
        Add-UninstallRecord -BaseKey $hku -Path "$mount\$uninstallWow" -Source 'registry_user' -User $sid
    }
    finally {
        [GC]::Collect()
        [GC]::WaitForPendingFinalizers()
        $null = & reg.exe unload "HKU\$mount" 2>&1
    }
}
if ($unreadProfiles.Count -eq 0) { $sources.registry_user = 'read' } else { $sources.registry_user = 'incomplete' }

# Store apps for every user, and the packages provisioned for new profiles.
try {
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
    }
    $sources.appx = 'read'
}
catch { $sources.appx = "failed: $($_.Exception.Message)" }
try {
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
    }
    $sources.appx_provisioned = 'read'
}
catch { $sources.appx_provisioned = "failed: $($_.Exception.Message)" }

if ($module.Params.residue) {
    # Services and drivers whose name or display name says Kaspersky/kl*: the controller decides what they are.
    try {
        foreach ($service in @(Get-CimInstance -ClassName Win32_SystemDriver -ErrorAction Stop) + @(Get-CimInstance -ClassName Win32_Service -ErrorAction Stop)) {
            $kind = if ($service.CimClass.CimClassName -eq 'Win32_SystemDriver') { 'driver' } else { 'service' }
            $records.Add(@{
                name = [String]$service.DisplayName
                version = ''
                publisher = ''
                platform = 'windows'
                source = $kind
                identifier = [String]$service.Name
                path = [String]$service.PathName
                state = [String]$service.State
            })
        }
        $sources.services = 'read'
    }
    catch { $sources.services = "failed: $($_.Exception.Message)" }

    foreach ($path in @('HKLM:\SOFTWARE\KasperskyLab', 'HKLM:\SOFTWARE\WOW6432Node\KasperskyLab')) {
        if (Test-Path -LiteralPath $path) {
            $records.Add(@{
                name = 'KasperskyLab registry key'
                version = ''
                publisher = 'Kaspersky'
                platform = 'windows'
                source = 'registry_key'
                identifier = $path
                path = $path
            })
        }
    }

    try {
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
        }
        $sources.certificates = 'read'
    }
    catch { $sources.certificates = "failed: $($_.Exception.Message)" }
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

$module.Result.ansible_facts = @{
    interdict_software = $records
    interdict_blocks = @{ applocker = @($applocker) }
    interdict_sources = @{ read = $sources; unread_profiles = $unreadProfiles }
}
$module.ExitJson()
