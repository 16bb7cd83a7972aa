#!powershell

# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.ansible.windows.plugins.module_utils.Process
#Requires -Module Ansible.ModuleUtils.AddType

# Executes the plan's steps in the order given, as planned on the controller; decides nothing else.
# What an exit code means, which codes are retried, how long a step may run, and as whom, all travel in the steps.

$spec = @{
    options = @{
        steps = @{ type = 'list'; elements = 'dict'; required = $true }
        # One entry per placeholder; each value is its own no_log string, so Ansible.Basic masks it everywhere.
        secret_values = @{
            type = 'list'
            elements = 'dict'
            default = @()
            options = @{
                placeholder = @{ type = 'str'; required = $true }
                value = @{ type = 'str'; required = $true; no_log = $true }
            }
        }
        fail_on_step_failure = @{ type = 'bool'; default = $true }
    }
    # Nothing of this module goes to the Application event log ("Invoked with:"), which every user can read.
    no_log = $true
    supports_check_mode = $true
}
$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$secretValues = @{}
foreach ($entry in $module.Params.secret_values) { $secretValues[[String]$entry.placeholder] = [String]$entry.value }
$goodOutcomes = @('ok', 'absent', 'reboot_pending')
$redacted = '********'

$jobUtil = @'
using Microsoft.Win32.SafeHandles;
using System;
using System.Runtime.InteropServices;

namespace Interdict.Bans
{
    public class ProcessJob : IDisposable
    {
        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern SafeFileHandle CreateJobObjectW(IntPtr attributes, string name);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool AssignProcessToJobObject(SafeHandle job, SafeHandle process);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool TerminateJobObject(SafeHandle job, UInt32 exitCode);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool QueryInformationJobObject(SafeHandle job, Int32 infoClass, IntPtr info,
            Int32 length, IntPtr returnLength);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern UInt32 WaitForSingleObject(SafeHandle handle, UInt32 milliseconds);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool GetExitCodeProcess(SafeHandle process, out UInt32 exitCode);

        private SafeFileHandle job;

        public ProcessJob()
        {
            job = CreateJobObjectW(IntPtr.Zero, null);
            if (job.IsInvalid)
                throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error(), "CreateJobObjectW() failed");
        }

        // The process is created suspended and joins the job before it runs, so every child it starts is in the job.
        public void Assign(SafeHandle process)
        {
            if (!AssignProcessToJobObject(job, process))
                throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error(), "AssignProcessToJobObject() failed");
        }

        public Int32 ActiveProcesses()
        {
            // JOBOBJECT_BASIC_ACCOUNTING_INFORMATION (class 1): ActiveProcesses is the DWORD at offset 40.
            IntPtr buffer = Marshal.AllocHGlobal(48);
            try
            {
                if (!QueryInformationJobObject(job, 1, buffer, 48, IntPtr.Zero))
                    throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error(), "QueryInformationJobObject() failed");
                return Marshal.ReadInt32(buffer, 40);
            }
            finally { Marshal.FreeHGlobal(buffer); }
        }

        public bool WaitProcess(SafeHandle process, Int32 milliseconds)
        {
            return WaitForSingleObject(process, (UInt32)Math.Max(0, milliseconds)) == 0;
        }

        public static Int64 ExitCode(SafeHandle process)
        {
            UInt32 code;
            if (!GetExitCodeProcess(process, out code))
                throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error(), "GetExitCodeProcess() failed");
            return (Int64)unchecked((Int32)code);
        }

        public void Kill()
        {
            TerminateJobObject(job, 1);
        }

        public void Dispose()
        {
            if (job != null) job.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
'@
Add-CSharpType -References $jobUtil -AnsibleModule $module

Function Protect-Text {
    # Every secret value the module was given, replaced, whatever the text (an exception, a path, a log line).
    param([String]$Text)
    if (-not $Text) { return '' }
    foreach ($value in $secretValues.Values) {
        if ($value) { $Text = $Text.Replace([String]$value, $redacted) }
    }
    return $Text
}

Function Get-Outcome {
    # The step's exit-code table, as contract.outcome_of reads it: any code it does not list failed.
    param($Step, [Int64]$Rc)
    $table = $Step.exit_codes
    $key = [String]$Rc
    if ($null -ne $table -and $table.ContainsKey($key)) { return [String]$table[$key] }
    return 'failed'
}

Function Initialize-LogFolder {
    # MSI logs hold the command line: the folder is made administrators-only (owner Administrators, protected
    # DACL: SYSTEM and Administrators full control) whoever created it, and a reparse point is refused.
    param([String]$Path)
    $folder = New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $Path
    if ($folder.Exists -and ($folder.Attributes -band [System.IO.FileAttributes]::ReparsePoint)) {
        throw "log folder $Path is a reparse point (a link elsewhere); remove it or choose another log_dir"
    }
    if (-not $folder.Exists) { $folder.Create() }
    $security = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
    $security.SetSecurityDescriptorSddlForm('O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)')
    $folder.SetAccessControl($security)
}

Function Start-JobProcess {
    # Runs a command line in a job object; returns @{ rc; timed_out }. On timeout the whole job (the process and
    # every child, however re-spawned) is terminated.
    param([String]$FilePath, [String]$CommandLine, [bool]$WaitChildren, [Int32]$TimeoutSeconds)
    $application = Resolve-ExecutablePath -FilePath $FilePath -WorkingDirectory $env:SystemRoot
    $startup = New-Object -TypeName Ansible.Windows.Process.StartupInfo
    $flags = [ansible_collections.ansible.windows.plugins.module_utils.Process.ProcessCreationFlags]'CreateSuspended, CreateNoWindow'
    $job = New-Object -TypeName Interdict.Bans.ProcessJob
    try {
        $proc = [Ansible.Windows.Process.ProcessUtil]::NativeCreateProcess($application, $CommandLine, $null, $null,
            $false, $flags, $null, $null, $startup)
        try {
            $job.Assign($proc.Process)
            [Ansible.Windows.Process.ProcessUtil]::ResumeThread($proc.Thread)
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            $exited = $job.WaitProcess($proc.Process, [Int32]($TimeoutSeconds * 1000))
            if ($exited -and $WaitChildren) {
                # NSIS uninstallers copy themselves to %TEMP%, start the copy and exit: wait for the whole job.
                while ($job.ActiveProcesses() -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 500 }
                $exited = $job.ActiveProcesses() -eq 0
            }
            if (-not $exited) {
                $job.Kill()
                return @{ rc = $null; timed_out = $true }
            }
            return @{ rc = [Interdict.Bans.ProcessJob]::ExitCode($proc.Process); timed_out = $false }
        }
        finally { $proc.Dispose() }
    }
    finally { $job.Dispose() }
}

Function Start-UserProcess {
    # Runs a command as the user who owns it, in that user's logon session, through a one-shot scheduled task
    # (logon type Interactive: it runs only while the user is logged on, with the user's own token, no password).
    # Returns @{ rc; timed_out }. The task is always unregistered.
    param([String]$Sid, [String[]]$Argv, [Int32]$TimeoutSeconds)
    $name = "interdict.bans-$([Guid]::NewGuid().ToString('N'))"
    $arguments = (@($Argv | Select-Object -Skip 1 | ForEach-Object { ConvertTo-EscapedArgument -InputObject $_ }) -join ' ')
    $actionArgs = @{ Execute = $Argv[0] }
    if ($arguments) { $actionArgs.Argument = $arguments }
    $action = New-ScheduledTaskAction @actionArgs
    $principal = New-ScheduledTaskPrincipal -UserId $Sid -LogonType Interactive -RunLevel Limited
    $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Seconds $TimeoutSeconds) `
        -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
    $null = Register-ScheduledTask -TaskName $name -TaskPath '\' -Action $action -Principal $principal -Settings $settings -Force
    try {
        Start-ScheduledTask -TaskName $name -TaskPath '\'
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        do {
            Start-Sleep -Seconds 2
            $task = Get-ScheduledTask -TaskName $name -TaskPath '\'
        } while ($task.State -in @('Queued', 'Running') -and [DateTime]::UtcNow -lt $deadline)
        if ($task.State -in @('Queued', 'Running')) {
            Stop-ScheduledTask -TaskName $name -TaskPath '\'
            return @{ rc = $null; timed_out = $true }
        }
        $info = Get-ScheduledTaskInfo -TaskName $name -TaskPath '\'
        return @{ rc = [Int64][BitConverter]::ToInt32([BitConverter]::GetBytes([UInt32]$info.LastTaskResult), 0); timed_out = $false }
    }
    finally { Unregister-ScheduledTask -TaskName $name -TaskPath '\' -Confirm:$false -ErrorAction SilentlyContinue }
}

Function Invoke-CommandStep {
    param($Step)
    $commandLine = [String]$Step.command_line
    $argv = @($Step.command | ForEach-Object { [String]$_ })
    foreach ($placeholder in $secretValues.Keys) {
        $commandLine = $commandLine.Replace([String]$placeholder, [String]$secretValues[$placeholder])
        $argv = @($argv | ForEach-Object { $_.Replace([String]$placeholder, [String]$secretValues[$placeholder]) })
    }
    if ($commandLine -match '<secret:([a-z0-9_]+)') {
        return @{ outcome = 'failed'; rc = $null; msg = "secret $($Matches[1]) is needed by this step and has no value" }
    }
    $log = [String]$Step.log
    if ($log) {
        Initialize-LogFolder -Path (Split-Path -Path $log -Parent)
        # A file left there before (a link, or one another account can read) is never written through.
        if (Test-Path -LiteralPath $log) { Remove-Item -LiteralPath $log -Force }
    }
    $timeout = [Int32]$Step.timeout
    $retry = $Step.retry
    $attempts = 1
    if ($retry) { $attempts = [Math]::Max(1, [Int32]$retry.attempts) }
    $try = 0
    while ($true) {
        $try++
        if ($Step.run_as) {
            $run = Start-UserProcess -Sid ([String]$Step.run_as) -Argv $argv -TimeoutSeconds $timeout
        }
        else {
            $run = Start-JobProcess -FilePath $argv[0] -CommandLine $commandLine -WaitChildren ([bool]$Step.wait_for_children) -TimeoutSeconds $timeout
        }
        $rc = $run.rc
        if ($run.timed_out -or $try -ge $attempts -or -not (@($retry.codes) -contains $rc)) { break }
        # The wait grows by the plan's backoff factor (1 when it has none).
        $factor = 1
        if ($retry.backoff) { $factor = [Math]::Pow([Double]$retry.backoff, $try - 1) }
        Start-Sleep -Seconds ([Int32]([Double]$retry.delay * $factor))
    }
    if ($run.timed_out) {
        $msg = "stopped after $timeout seconds, with every process it had started"
        if ($log) { $msg += "; log (administrators only): $log" }
        return @{ outcome = 'failed'; rc = $null; msg = $msg }
    }
    $outcome = Get-Outcome -Step $Step -Rc $rc
    $msg = ''
    if ($outcome -eq 'failed') {
        $msg = "exit code $rc"
        if ($try -gt 1) { $msg += " after $try attempts" }
        if ($Step.failure_hint) { $msg += "; $($Step.failure_hint)" }
        # The log is named, never quoted: it can hold the command line and what the installer logged.
        if ($log) { $msg += "; log (administrators only): $log" }
    }
    elseif ($log) { Remove-Item -LiteralPath $log -Force -ErrorAction SilentlyContinue }
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
    # 1. The content (the controller's merge of the local policy and this ban's rules) is merged in: -Merge adds the
    #    rules and keeps everything there, also what an earlier step of this run added.
    $file = [System.IO.Path]::GetTempFileName()
    try {
        [System.IO.File]::WriteAllText($file, [String]$Step.content, (New-Object System.Text.UTF8Encoding $false))
        Set-AppLockerPolicy -XmlPolicy $file -Merge -ErrorAction Stop
        # 2. -Merge keeps each collection's old enforcement mode: the planned modes and extensions are written as
        #    given, and the local policy is set to the result.
        $policy = [xml](Get-AppLockerPolicy -Local -Xml -ErrorAction Stop)
        foreach ($name in @($Step.modes.Keys)) {
            $collection = $policy.AppLockerPolicy.SelectSingleNode("RuleCollection[@Type='$name']")
            if ($null -eq $collection) { throw "the merged local policy has no $name collection" }
            $collection.SetAttribute('EnforcementMode', [String]$Step.modes[$name])
            if ($Step.extensions -and $Step.extensions.ContainsKey($name)) {
                $old = $collection.SelectSingleNode('RuleCollectionExtensions')
                if ($null -ne $old) { $null = $collection.RemoveChild($old) }
                $fragment = $policy.CreateDocumentFragment()
                $fragment.InnerXml = [String]$Step.extensions[$name]
                $null = $collection.AppendChild($fragment)  # last: the schema puts extensions after the rules
            }
        }
        $policy.Save($file)
        Set-AppLockerPolicy -XmlPolicy $file -ErrorAction Stop
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
        $action.msg = Protect-Text -Text ([String]$res.msg)
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
