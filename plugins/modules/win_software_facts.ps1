#!powershell

# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic

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

Function Invoke-Reg {
    # reg.exe writes to stderr on failure; read its exit code rather than let stderr become a terminating error.
    param([String[]]$Arguments)
    $ErrorActionPreference = 'Continue'
    $output = @(& reg.exe @Arguments 2>&1 | ForEach-Object { [String]$_ })
    return @{ rc = $LASTEXITCODE; output = ($output -join ' ').Trim() }
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
        $mount = "interdict_bans_$($sid -replace '[^0-9A-Za-z-]', '_')"
        # reg.exe load has no read-only switch; the hive is only opened for reading and unloaded in finally.
        $loaded = Invoke-Reg -Arguments @('load', "HKU\$mount", $hive)
        if ($loaded.rc -ne 0) {
            $userProblems.Add("${sid}: hive could not be loaded: $($loaded.output)")
            continue
        }
        try {
            foreach ($path in @($uninstallPath, $uninstallWow)) {
                $count = Add-UninstallRecord -BaseKey $hku -Path "$mount\$path" -Source 'registry_user' -User $sid -Problems $userProblems
                $userRecords += [Math]::Max(0, $count)
            }
        }
        finally {
            [GC]::Collect()
            [GC]::WaitForPendingFinalizers()
            $unloaded = Invoke-Reg -Arguments @('unload', "HKU\$mount")
            if ($unloaded.rc -ne 0) { $userProblems.Add("${sid}: hive could not be unloaded: $($unloaded.output)") }
        }
    }
    catch { $userProblems.Add("${sid}: $($_.Exception.Message)") }
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

$module.Result.ansible_facts = @{
    interdict_software = $records
    interdict_blocks = @{ applocker = @($applocker) }
    interdict_sources = @{ platform = 'windows'; sources = @($sourceStates) }
}
$module.ExitJson()
