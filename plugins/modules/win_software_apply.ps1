#!powershell

# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.ansible.windows.plugins.module_utils.Process

# Executes the plan's steps in the order given, as planned on the controller; decides nothing else.
# What an exit code means, which codes are retried, and which steps wait for which all travel in the steps.

$spec = @{
    options = @{
        steps = @{ type = 'list'; elements = 'dict'; required = $true }
        secret_values = @{ type = 'dict'; default = @{}; no_log = $true }
        fail_on_step_failure = @{ type = 'bool'; default = $true }
    }
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$secretValues = $module.Params.secret_values
$goodOutcomes = @('ok', 'absent', 'reboot_pending')

Function Get-LogTail {
    param([String]$Path)
    if (-not $Path -or -not (Test-Path -LiteralPath $Path)) { return '' }
    # msiexec /l*v writes UTF-16; Get-Content detects the BOM.
    return (@(Get-Content -LiteralPath $Path -Tail 25 -ErrorAction SilentlyContinue) -join "`n")
}

Function Get-Outcome {
    # The step's exit-code table, as contract.outcome_of reads it: any code it does not list failed.
    param($Step, [Int64]$Rc)
    $table = $Step.exit_codes
    $key = [String]$Rc
    if ($null -ne $table -and $table.ContainsKey($key)) { return [String]$table[$key] }
    return 'failed'
}

Function Invoke-CommandStep {
    param($Step)
    $commandLine = [String]$Step.command_line
    foreach ($placeholder in $secretValues.Keys) {
        $commandLine = $commandLine.Replace([String]$placeholder, [String]$secretValues[$placeholder])
    }
    if ($commandLine -match '<secret:([a-z0-9_]+)') {
        return @{ outcome = 'failed'; rc = $null; msg = "secret $($Matches[1]) is needed by this step and has no value" }
    }
    if ($Step.log) {
        $logDir = Split-Path -Path $Step.log -Parent
        if (-not (Test-Path -LiteralPath $logDir)) { $null = New-Item -Path $logDir -ItemType Directory -Force }
    }
    $argv0 = [String]@($Step.command)[0]
    $procArgs = @{ FilePath = $argv0; CommandLine = $commandLine; WaitChildren = [bool]$Step.wait_for_children }
    $retry = $Step.retry
    $attempts = 1
    if ($retry) { $attempts = [Math]::Max(1, [Int32]$retry.attempts) }
    $try = 0
    while ($true) {
        $try++
        $proc = Start-AnsibleWindowsProcess @procArgs
        # The process util returns a UInt32; compare as the signed value Windows Installer documents.
        $rc = [Int64][BitConverter]::ToInt32([BitConverter]::GetBytes([UInt32]$proc.ExitCode), 0)
        if ($try -ge $attempts -or -not (@($retry.codes) -contains $rc)) { break }
        Start-Sleep -Seconds ([Int32]$retry.delay)
    }
    $outcome = Get-Outcome -Step $Step -Rc $rc
    $msg = ''
    if ($outcome -eq 'failed') {
        $msg = "exit code $rc"
        if ($try -gt 1) { $msg += " after $try attempts" }
        if ($Step.failure_hint) { $msg += "; $($Step.failure_hint)" }
        $tail = Get-LogTail -Path $Step.log
        if ($tail) { $msg += "`n$tail" }
    }
    return @{ outcome = $outcome; rc = $rc; msg = $msg }
}

Function Invoke-AppxStep {
    param($Step)
    $name = [String]$Step.target
    if ($Step.method -eq 'appx') {
        $packages = @(Get-AppxPackage -AllUsers -Name $name)
        if ($packages.Count -eq 0) { return @{ outcome = 'absent'; rc = 0; msg = '' } }
        foreach ($package in $packages) { Remove-AppxPackage -Package $package.PackageFullName -AllUsers -ErrorAction Stop }
    }
    else {
        $packages = @(Get-AppxProvisionedPackage -Online | Where-Object { $_.DisplayName -eq $name })
        if ($packages.Count -eq 0) { return @{ outcome = 'absent'; rc = 0; msg = '' } }
        foreach ($package in $packages) { $null = Remove-AppxProvisionedPackage -Online -PackageName $package.PackageName -AllUsers -ErrorAction Stop }
    }
    return @{ outcome = (Get-Outcome -Step $Step -Rc 0); rc = 0; msg = '' }
}

Function Invoke-ResidueStep {
    param($Step)
    if ($Step.method -eq 'certificate') {
        $path = "Cert:\LocalMachine\$($Step.store)\$($Step.target)"
        if (-not (Test-Path -LiteralPath $path)) { return @{ outcome = 'absent'; rc = 0; msg = '' } }
        Remove-Item -LiteralPath $path -Force -ErrorAction Stop
    }
    else {
        if (-not (Test-Path -LiteralPath $Step.target)) { return @{ outcome = 'absent'; rc = 0; msg = '' } }
        Remove-Item -LiteralPath $Step.target -Recurse -Force -ErrorAction Stop
    }
    return @{ outcome = (Get-Outcome -Step $Step -Rc 0); rc = 0; msg = '' }
}

Function Invoke-AppLockerStep {
    param($Step)
    $file = [System.IO.Path]::GetTempFileName()
    try {
        [System.IO.File]::WriteAllText($file, [String]$Step.content, (New-Object System.Text.UTF8Encoding $false))
        # The content is the controller's merge of the local policy and ours; -Merge keeps anything added since.
        Set-AppLockerPolicy -XmlPolicy $file -Merge -ErrorAction Stop
    }
    finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
    # AppIDSvc's start type is protected from Set-Service on current Windows; sc.exe is the supported way.
    $null = & sc.exe config AppIDSvc start= auto 2>&1
    Start-Service -Name AppIDSvc -ErrorAction Stop
    return @{ outcome = (Get-Outcome -Step $Step -Rc 0); rc = 0; msg = '' }
}

$actions = [System.Collections.Generic.List[Object]]@()
$outcomes = @{}
$rebootPending = $false
foreach ($step in $module.Params.steps) {
    $id = [String]$step.id
    $action = @{ step = $id; outcome = 'skipped'; changed = $false; rc = $null; msg = '' }
    $failedDependency = @($step.depends_on | Where-Object { $_ -and $outcomes[$_] -notin $goodOutcomes })
    $fallbackFor = @($step.fallback_for | Where-Object { $_ })
    if ($step.blocked) {
        $action.outcome = 'failed'
        $action.msg = [String]$step.blocked
    }
    elseif ($failedDependency.Count -gt 0) {
        $action.msg = "not run: $($failedDependency[0]) did not succeed"
    }
    elseif ($fallbackFor.Count -gt 0 -and -not @($fallbackFor | Where-Object { $outcomes[$_] -eq 'failed' })) {
        $action.msg = 'not needed: the steps it backs up did not fail'
    }
    elseif ($module.CheckMode) {
        $action.outcome = 'planned'
        $action.changed = $true
    }
    else {
        try {
            $res = switch ($step.method) {
                { $_ -in @('msi', 'exe', 'vendor_tool') } { Invoke-CommandStep -Step $step }
                { $_ -in @('appx', 'appx_provisioned') } { Invoke-AppxStep -Step $step }
                { $_ -in @('certificate', 'registry_key') } { Invoke-ResidueStep -Step $step }
                'applocker' { Invoke-AppLockerStep -Step $step }
                default { @{ outcome = 'failed'; rc = $null; msg = "unknown step method '$($step.method)'" } }
            }
        }
        catch {
            $res = @{ outcome = 'failed'; rc = $null; msg = $_.Exception.Message }
        }
        $action.outcome = $res.outcome
        $action.rc = $res.rc
        $action.msg = $res.msg
        $action.changed = $res.outcome -in @('ok', 'reboot_pending')
        if ($res.outcome -eq 'reboot_pending') { $rebootPending = $true }
    }
    $outcomes[$id] = $action.outcome
    $actions.Add($action)
}

$failed = @($actions | Where-Object { $_.outcome -eq 'failed' } | ForEach-Object { $_.step })
$module.Result.actions = $actions
$module.Result.failed_steps = $failed
$module.Result.reboot_pending = $rebootPending
$module.Result.changed = [bool](@($actions | Where-Object { $_.changed }).Count)
if ($failed.Count -gt 0 -and $module.Params.fail_on_step_failure) {
    $module.FailJson("$($failed.Count) step(s) failed: $($failed -join ', ')")
}
$module.ExitJson()
