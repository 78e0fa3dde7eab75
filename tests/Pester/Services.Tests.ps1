# Two hosts: the plain lab host (this machine, nginx as a SysV service: SysV is a manager users still
# have) and a real systemd host (Debian bookworm booted with systemd-nspawn, tests/lab/SentinelRealLab.psm1).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab
    $credential = Get-SentinelLabCredential -Lab $lab
    $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = (Join-Path $TestDrive 'known_hosts') }
    $session = Connect-SentinelServer @target -Credential $credential
    $keySession = Connect-SentinelServer @target -KeyFile $lab.KeyPath

    # The lab is this machine, so nginx's pid file and port tell what the host really did.
    function Get-NginxMasterPid { [int](Get-Content /run/nginx.pid -Raw -ErrorAction SilentlyContinue) }
    function Test-NginxServing {
        & curl --silent --output /dev/null --max-time 5 --write-out '%{http_code}' http://127.0.0.1/ 2>$null | Should -Be '200'
    }
    function Restore-NginxRunning {
        & /usr/sbin/service nginx status *> $null
        if ($LASTEXITCODE -ne 0) { & /usr/sbin/service nginx start *> $null }
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Remove-Item /etc/nginx/conf.d/sentinel-broken.conf -ErrorAction SilentlyContinue
    Restore-NginxRunning
    Stop-SentinelLab -Lab $lab
}

Describe 'Get-SentinelService against the lab''s SysV nginx' {
    It 'reports nginx Running, typed, with the manager detected as SysV' {
        $status = Get-SentinelService nginx -Session $session
        $status | Should -BeOfType Sentinel.Results.ServiceStatus
        $status.ComputerName | Should -Be $lab.ComputerName
        $status.Name | Should -Be 'nginx'
        $status.Manager | Should -Be 'SysV'
        $status.State | Should -Be 'Running'
    }

    It 'reports an unknown service as NotFound, not as an error' {
        $status = Get-SentinelService 'no-such-service' -Session $session -ErrorVariable failure
        $failure | Should -BeNullOrEmpty
        $status.State | Should -Be 'NotFound'
    }

    It 'gives one status per service and host, from sessions on the pipeline' {
        $statuses = $session, $keySession | Get-SentinelService nginx, 'no-such-service'
        $statuses.Count | Should -Be 4
        ($statuses | Where-Object Name -EQ nginx).State | Should -Be 'Running', 'Running'
    }

    It 'works on the sessions -ThrottleLimit at a time, with done/total progress' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript('param($module, $sessions) Import-Module $module; Get-SentinelService nginx -Session $sessions -ThrottleLimit 1').AddArgument($ModulePath).AddArgument(@($session, $keySession))
            $statuses = $shell.Invoke()
            $shell.Streams.Error | Should -BeNullOrEmpty
            $statuses.Count | Should -Be 2
            $progress = @($shell.Streams.Progress)
            $progress.StatusDescription | Should -Contain '2 of 2 hosts'
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally { $shell.Dispose() }
    }

    It 'uses the newest open session when none is given, and takes a forced manager' {
        (Get-SentinelService nginx -Manager SysV).State | Should -Be 'Running'
    }
}

Describe 'Stop-, Start- and Restart-SentinelService on the lab''s nginx' {
    AfterEach { Restore-NginxRunning }

    It 'stops nginx and waits for Stopped, then starts it and waits for Running' {
        $before = Get-NginxMasterPid
        $stopped = Stop-SentinelService nginx -Session $session
        $stopped | Should -BeOfType Sentinel.Results.ServiceActionResult
        $stopped.Action | Should -Be 'Stop'
        $stopped.StateBefore | Should -Be 'Running'
        $stopped.StateAfter | Should -Be 'Stopped'
        $stopped.Succeeded | Should -BeTrue
        (Get-SentinelService nginx -Session $session).State | Should -Be 'Stopped'
        Get-Process -Id $before -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $started = Start-SentinelService nginx -Session $session
        $started.StateBefore | Should -Be 'Stopped'
        $started.StateAfter | Should -Be 'Running'
        $started.Succeeded | Should -BeTrue
        $started.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        Test-NginxServing
    }

    It 'restarts nginx: the master PID changes and nginx serves' {
        $before = Get-NginxMasterPid
        $result = Restart-SentinelService nginx -Session $session
        $result.Succeeded | Should -BeTrue
        $result.StateBefore | Should -Be 'Running'
        $result.StateAfter | Should -Be 'Running'
        Get-NginxMasterPid | Should -Not -Be $before
        Test-NginxServing
    }

    It 'restarts through the NOPASSWD rule on a key session, which has no password to send' {
        $before = Get-NginxMasterPid
        (Restart-SentinelService nginx -Session $keySession).Succeeded | Should -BeTrue
        Get-NginxMasterPid | Should -Not -Be $before
    }

    It 'restarts after a passing configuration test with -TestConfig' {
        $before = Get-NginxMasterPid
        (Restart-SentinelService nginx -TestConfig -Session $session).Succeeded | Should -BeTrue
        Get-NginxMasterPid | Should -Not -Be $before
    }

    It 'writes the privileged restart to the audit log, as Invoke-SentinelCommand does' {
        $log = Join-Path $TestDrive 'audit.jsonl'
        $SentinelAuditLog = $log
        (Restart-SentinelService nginx -Session $session).Succeeded | Should -BeTrue
        Wait-Until { (Test-Path $log) -and (Get-Content $log | ConvertFrom-Json | Where-Object Sudo) } | Should -BeTrue
        $restart = Get-Content $log | ConvertFrom-Json | Where-Object Sudo
        $restart.Command | Should -Be "/usr/sbin/service 'nginx' restart"
        $restart.ExitCode | Should -Be 0
        $restart.ComputerName | Should -Be $lab.ComputerName
    }

    It 'does nothing with -WhatIf: the master PID stays and nothing is emitted' {
        $before = Get-NginxMasterPid
        Restart-SentinelService nginx -Session $session -WhatIf | Should -BeNullOrEmpty
        Stop-SentinelService nginx -Session $session -WhatIf | Should -BeNullOrEmpty
        Get-NginxMasterPid | Should -Be $before
    }

    It 'does not prompt by default (ConfirmImpact Medium), as runbooks need' {
        (Get-Command Restart-SentinelService).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
    }

    It 'refuses to act on an unknown service with ServiceNotFound' {
        Restart-SentinelService 'no-such-service' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue |
            ForEach-Object { $_.Succeeded | Should -BeFalse }
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceNotFound,*'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
    }
}

Describe 'Configuration tests' {
    It 'reports a valid nginx configuration with the tool''s output' {
        $result = Test-SentinelServiceConfig nginx -Session $session
        $result | Should -BeOfType Sentinel.Results.ServiceConfigTestResult
        $result.Valid | Should -BeTrue
        $result.Command | Should -Be '/usr/sbin/nginx -t'
        $result.Output | Should -BeLike '*syntax is ok*'
    }

    It 'refuses -TestConfig for a service it knows no test for, before anything runs' {
        $streams = Start-SentinelService postgresql -TestConfig -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue -Verbose 4>&1
        $streams | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Should -BeNullOrEmpty
        ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Not -Match 'postgresql'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceConfigTestUnknown,*'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure[0].TargetObject | Should -Be 'postgresql'
    }

    It 'says it knows no test for postgresql: Valid is null, with a warning' {
        $result = Test-SentinelServiceConfig postgresql -Session $session -WarningVariable warned -WarningAction SilentlyContinue
        $result.Valid | Should -BeNullOrEmpty
        $warned | Should -Not -BeNullOrEmpty
    }

    Context 'with a broken nginx configuration on the host' {
        BeforeAll {
            $broken = '/etc/nginx/conf.d/sentinel-broken.conf'
            Set-Content -Path $broken -Value 'this_is_not_a_directive on;'
        }
        AfterAll {
            Remove-Item $broken -ErrorAction SilentlyContinue
            Restore-NginxRunning
        }

        It 'finds it invalid and keeps the tool''s output' {
            $result = Test-SentinelServiceConfig nginx -Session $session
            $result.Valid | Should -BeFalse
            $result.ExitCode | Should -Not -Be 0
            $result.Output | Should -BeLike '*sentinel-broken.conf*'
        }

        It 'makes Restart -TestConfig refuse; nginx keeps its master PID and keeps serving' {
            $before = Get-NginxMasterPid
            $result = Restart-SentinelService nginx -TestConfig -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue
            $failure.Count | Should -Be 1
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceConfigInvalid,*'
            $failure[0].TargetObject | Should -Be $lab.ComputerName
            $failure[0].Exception.Message | Should -BeLike "*$($lab.ComputerName)*nginx -t*"
            $result.Succeeded | Should -BeFalse
            $result.StateAfter | Should -Be 'Running'
            Get-NginxMasterPid | Should -Be $before
            Test-NginxServing
        }

        It 'makes Start -TestConfig refuse as well' {
            $result = Start-SentinelService nginx -TestConfig -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceConfigInvalid,*'
            $result.Succeeded | Should -BeFalse
        }
    }
}

Describe 'sudo passwords for service cmdlets' {
    # The lab's sudoers lets 'service' and 'nginx -t' run without a password, but not 'sshd -t'.
    It 'fails a password rule on a key session with SudoPasswordRequired' {
        Test-SentinelServiceConfig sshd -Session $keySession -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoPasswordRequired,*'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
    }

    It 'gives sudo the -SudoCredential password on a key session' {
        $result = Test-SentinelServiceConfig sshd -Session $keySession -SudoCredential $credential
        $result.Valid | Should -BeTrue
        $result.Command | Should -Be '/usr/sbin/sshd -t'
        "$($result.Output)" | Should -Not -BeLike "*$($lab.Password)*"
    }
}

Describe 'Service names that try to inject shell' {
    BeforeAll {
        $marker = "/tmp/sentinel-injection-$([guid]::NewGuid().ToString('N'))"
        $attempts = @(
            "nginx; touch $marker"
            "nginx && touch $marker"
            "`$(touch $marker)"
            "``touch $marker``"
            "nginx`ntouch $marker"
            "nginx' ; touch $marker; '"
            "--help"
        )
    }

    It 'refuses <_> as InvalidServiceName in every cmdlet, and nothing runs on the host' -ForEach @('Get-SentinelService', 'Start-SentinelService', 'Stop-SentinelService', 'Restart-SentinelService', 'Test-SentinelServiceConfig') {
        $before = Get-NginxMasterPid
        & $_ -Name $attempts -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure.Count | Should -Be $attempts.Count
        foreach ($record in $failure) {
            $record.FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidServiceName,*'
            $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
        Test-Path $marker | Should -BeFalse
        Get-NginxMasterPid | Should -Be $before
    }

    It 'still serves the valid names given beside an invalid one' {
        $status = Get-SentinelService 'nginx', "nginx; touch $marker" -Session $session -ErrorAction SilentlyContinue
        $status.State | Should -Be 'Running'
        Test-Path $marker | Should -BeFalse
    }
}

Describe 'Services on a real systemd host' {
    # systemd's own view (systemctl inside the host, entered with nsenter, not through Sentinel) is
    # what every check compares with: MainPID, ActiveState.
    BeforeAll {
        $systemd = Start-SentinelSystemdHost
        $systemdTarget = @{ ComputerName = $systemd.ComputerName; Port = $systemd.Port; KnownHostsFile = (Join-Path $TestDrive 'known_hosts-systemd') }
        $systemdCredential = Get-SentinelLabCredential -Lab $systemd
        $systemdSession = Connect-SentinelServer @systemdTarget -Credential $systemdCredential
        $systemdKeySession = Connect-SentinelServer @systemdTarget -KeyFile $systemd.KeyPath
        $brokenConfig = '/etc/nginx/conf.d/sentinel-broken.conf'

        function Get-UnitProperty {
            param([string]$Unit, [string]$Property)
            "$(Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'show', '--value', '-p', $Property, '--', $Unit))".Trim()
        }
        function Get-MainPid { param([string]$Unit) [int](Get-UnitProperty $Unit MainPID) }
        function Restore-SystemdNginx {
            # reset-failed also clears systemd's start rate limit (5 starts in 10 s), which these tests
            # reach; the journal's last lines go into the error when nginx does not come back.
            Invoke-SentinelSystemdHostCommand $systemd @('sh', '-c', "rm -f $brokenConfig; systemctl reset-failed nginx; systemctl start nginx || { journalctl -u nginx --no-pager | tail -n 15; exit 1; }") | Out-Null
        }
    }

    AfterAll {
        $systemdSession, $systemdKeySession | Where-Object { $_ } | Disconnect-SentinelServer
        if ($systemd) { Stop-SentinelRealLab -Instance $systemd }
    }

    Context 'state' {
        It 'detects systemd and reports nginx Running with systemd''s MainPID and start time' {
            $status = Get-SentinelService nginx -Session $systemdSession
            $status.Manager | Should -Be 'Systemd'
            $status.State | Should -Be 'Running'
            $status.SubState | Should -Be 'running'
            $status.MainPid | Should -Be (Get-MainPid nginx)
            $status.MainPid | Should -BeGreaterThan 0
            $status.Since.Kind | Should -Be 'Utc'
            $status.Since | Should -BeGreaterThan ([datetime]::UtcNow.AddHours(-1))
        }

        It 'reports a unit that was never started as Stopped, without a PID' {
            Get-UnitProperty sentinel-idle ActiveState | Should -Be 'inactive'
            $status = Get-SentinelService sentinel-idle -Session $systemdSession
            $status.State | Should -Be 'Stopped'
            $status.SubState | Should -Be 'dead'
            $status.MainPid | Should -BeNullOrEmpty
        }

        It 'reports a unit whose ExecStart failed as Failed' {
            Get-UnitProperty sentinel-failing ActiveState | Should -Be 'failed'
            $status = Get-SentinelService sentinel-failing.service -Session $systemdSession
            $status.State | Should -Be 'Failed'
            $status.SubState | Should -Be 'failed'
        }

        It 'reports a unit systemd does not know as NotFound, not as an error' {
            $status = Get-SentinelService no-such-unit -Session $systemdSession -ErrorVariable failure
            $failure | Should -BeNullOrEmpty
            $status.State | Should -Be 'NotFound'
        }
    }

    Context 'actions, checked against systemd''s MainPID' {
        AfterEach { Restore-SystemdNginx }

        It 'stops nginx (MainPID 0 in systemd) and starts it again (a new MainPID, the one reported)' {
            $before = Get-MainPid nginx
            $stopped = Stop-SentinelService nginx -Session $systemdSession
            $stopped.Succeeded | Should -BeTrue
            $stopped.StateBefore | Should -Be 'Running'
            $stopped.StateAfter | Should -Be 'Stopped'
            Get-MainPid nginx | Should -Be 0
            Get-UnitProperty nginx ActiveState | Should -Be 'inactive'

            $started = Start-SentinelService nginx -Session $systemdSession
            $started.Succeeded | Should -BeTrue
            $started.StateAfter | Should -Be 'Running'
            $after = Get-MainPid nginx
            $after | Should -BeGreaterThan 0
            $after | Should -Not -Be $before
            (Get-SentinelService nginx -Session $systemdSession).MainPid | Should -Be $after
        }

        It 'restarts nginx: systemd''s MainPID changes' {
            $before = Get-MainPid nginx
            $result = Restart-SentinelService nginx -Session $systemdSession
            $result.Succeeded | Should -BeTrue
            $result.StateBefore | Should -Be 'Running'
            $result.StateAfter | Should -Be 'Running'
            Get-MainPid nginx | Should -Not -Be $before
            Get-MainPid nginx | Should -BeGreaterThan 0
        }

        It 'restarts through the NOPASSWD rule on a key session, which has no password to send' {
            $before = Get-MainPid nginx
            (Restart-SentinelService nginx -Session $systemdKeySession).Succeeded | Should -BeTrue
            Get-MainPid nginx | Should -Not -Be $before
        }

        It 'waits for a unit that fails after starting, and says it did not reach Running' {
            # systemctl start succeeds (Type=simple), then ExecStart fails: only the wait can tell.
            $result = Start-SentinelService sentinel-failing -Session $systemdSession -Timeout 3 -ErrorVariable failure -ErrorAction SilentlyContinue
            $result.Succeeded | Should -BeFalse
            $result.StateAfter | Should -Be 'Failed'
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceStateTimeout,*'
            Get-UnitProperty sentinel-failing ActiveState | Should -Be 'failed'
        }

        It 'refuses to act on a unit systemd does not know, with ServiceNotFound' {
            Restart-SentinelService no-such-unit -Session $systemdSession -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceNotFound,*'
        }
    }

    Context 'with a broken nginx configuration on the host' {
        BeforeAll { Invoke-SentinelSystemdHostCommand $systemd @('sh', '-c', "echo 'this_is_not_a_directive on;' > $brokenConfig") | Out-Null }
        AfterAll { Restore-SystemdNginx }

        It 'makes Restart -TestConfig refuse: nginx keeps its MainPID and stays active' {
            $before = Get-MainPid nginx
            $result = Restart-SentinelService nginx -TestConfig -Session $systemdSession -ErrorVariable failure -ErrorAction SilentlyContinue
            $failure.Count | Should -Be 1
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceConfigInvalid,*'
            $failure[0].Exception.Message | Should -BeLike '*sentinel-broken.conf*'
            $result.Succeeded | Should -BeFalse
            $result.StateAfter | Should -Be 'Running'
            Get-MainPid nginx | Should -Be $before
            Get-UnitProperty nginx ActiveState | Should -Be 'active'
        }

        It 'takes nginx down on a restart without -TestConfig: the configuration really is broken' {
            Restart-SentinelService nginx -Session $systemdKeySession -ErrorAction SilentlyContinue | Out-Null
            Get-UnitProperty nginx ActiveState | Should -Be 'failed'
        }
    }

    Context 'sudo through the host''s sudoers (NOPASSWD for nginx''s actions, a password for the rest)' {
        AfterAll { Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'stop', 'sentinel-idle') | Out-Null }

        It 'fails a password rule on a key session with SudoPasswordRequired, and the unit stays stopped' {
            Start-SentinelService sentinel-idle -Session $systemdKeySession -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoPasswordRequired,*'
            Get-UnitProperty sentinel-idle ActiveState | Should -Be 'inactive'
        }

        It 'starts and stops a unit under the password rule with the login password' {
            $started = Start-SentinelService sentinel-idle -Session $systemdSession
            $started.Succeeded | Should -BeTrue
            Get-MainPid sentinel-idle | Should -BeGreaterThan 0
            (Stop-SentinelService sentinel-idle -Session $systemdSession).Succeeded | Should -BeTrue
            Get-UnitProperty sentinel-idle ActiveState | Should -Be 'inactive'
        }

        It 'gives sudo the -SudoCredential password for sshd -t on a key session' {
            $result = Test-SentinelServiceConfig ssh -Session $systemdKeySession -SudoCredential $systemdCredential
            $result.Valid | Should -BeTrue
            "$($result.Output)" | Should -Not -BeLike "*$($systemd.Password)*"
        }
    }
}
