# The container cmdlets against a real Docker engine (tests/lab/SentinelRealLab.psm1): dockerd of
# Debian's docker.io with three busybox containers (ticker logs a line a second and exits at SIGTERM,
# stubborn ignores SIGTERM, finished has exited). Each CLI the sessions may meet runs every test: the
# engine's own (/usr/bin/docker, 20.10) and, where the machine has it, a newer one first on PATH
# (/usr/local/bin/docker: a deprecation warning on stderr, extra JSON fields).
BeforeDiscovery {
    $clis = @(@{ Cli = 'engine''s own CLI'; NewerCli = $false })
    if (Test-Path /usr/local/bin/docker) { $clis += @{ Cli = 'newer CLI in /usr/local/bin'; NewerCli = $true } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $engine = Start-SentinelDockerEngine
    $dockerHost = @{ DOCKER_HOST = "unix://$($engine.DockerSocket)" }
    $labs = @{
        $false = Start-SentinelLab -NoNginx -SessionEnvironment $dockerHost -SessionPath '/usr/bin:/bin'
        $true  = Start-SentinelLab -NoNginx -SessionEnvironment $dockerHost
    }

    function Get-DockerState {
        param([string]$Name, [string]$Field)
        "$(Invoke-SentinelLabDocker $engine @('inspect', '--format', "{{.State.$Field}}", '--', $Name))".Trim()
    }
    function Get-StartedAt { param([string]$Name) [datetime]::Parse((Get-DockerState $Name StartedAt), [cultureinfo]::InvariantCulture, 'AdjustToUniversal') }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    foreach ($lab in $labs.Values) { if ($lab) { Stop-SentinelLab -Lab $lab } }
    if ($engine) { Stop-SentinelRealLab -Instance $engine }
}

Describe 'Container cmdlets on a real Docker engine, with the <Cli>' -ForEach $clis {
    BeforeAll {
        $lab = $labs[$NewerCli]
        $session = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential (Get-SentinelLabCredential -Lab $lab) -KnownHostsFile (Join-Path $TestDrive "known_hosts-$NewerCli")
    }

    It 'talks to the engine with the CLI this case is about' {
        $client = (Invoke-SentinelCommand "docker version --format '{{.Client.Version}}'" -Session $session).Output.Trim()
        $server = (Invoke-SentinelCommand "docker version --format '{{.Server.Version}}'" -Session $session).Output.Trim()
        if ($NewerCli) { $client | Should -Not -Be $server } else { $client | Should -Be $server }
    }

    It 'lists every container, typed, with docker''s states' {
        $containers = Get-SentinelContainer -Session $session
        $containers | Should -BeOfType Sentinel.Results.ContainerStatus
        @($containers.Name | Sort-Object) | Should -Be @('finished', 'stubborn', 'ticker')
        $ticker = $containers | Where-Object Name -EQ 'ticker'
        $ticker.Id | Should -Match '^[0-9a-f]{64}$'
        $ticker.Id | Should -Be (Invoke-SentinelLabDocker $engine @('inspect', '--format', '{{.Id}}', 'ticker'))
        $ticker.Image | Should -Be 'sentinel-lab/busybox:1'
        $ticker.State | Should -Be 'running'
        $ticker.Status | Should -BeLike 'Up *'
        $ticker.ComputerName | Should -Be $lab.ComputerName
        ($containers | Where-Object Name -EQ 'finished').State | Should -Be 'exited'
        ($containers | Where-Object Name -EQ 'finished').Status | Should -BeLike 'Exited (0)*'
    }

    It 'filters by name, id prefix and wildcard, and reports a missing name as ContainerNotFound' {
        $id = Invoke-SentinelLabDocker $engine @('inspect', '--format', '{{.Id}}', 'stubborn')
        (Get-SentinelContainer ticker -Session $session).Name | Should -Be 'ticker'
        (Get-SentinelContainer $id.Substring(0, 12) -Session $session).Name | Should -Be 'stubborn'
        (Get-SentinelContainer 'fin*' -Session $session).Name | Should -Be 'finished'
        Get-SentinelContainer 'absent' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ContainerNotFound,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
    }

    It 'restarts a container: docker''s StartedAt moves on, and the result carries it' {
        $before = Get-StartedAt ticker
        $result = Restart-SentinelContainer ticker -Session $session
        $result | Should -BeOfType Sentinel.Results.ContainerActionResult
        $result.Succeeded | Should -BeTrue
        $result.StateAfter | Should -Be 'running'
        $after = Get-StartedAt ticker
        $after | Should -BeGreaterThan $before
        [math]::Abs(($result.StartedAt - $after).TotalMilliseconds) | Should -BeLessThan 1
        Get-DockerState ticker Running | Should -Be 'true'
    }

    It 'gives a container that ignores SIGTERM the -StopTimeout grace, then docker kills it' {
        $before = Get-StartedAt stubborn
        $result = Restart-SentinelContainer stubborn -StopTimeout 3 -Session $session
        $result.Succeeded | Should -BeTrue
        $result.StateAfter | Should -Be 'running'
        Get-StartedAt stubborn | Should -BeGreaterThan $before
        # Killed after 3 s, not docker's default 10 s.
        $result.Duration.TotalSeconds | Should -BeGreaterOrEqual 3
        $result.Duration.TotalSeconds | Should -BeLessThan 9
        # Only docker's own answer: no deprecation notice from a newer CLI (it warns about --time, on stdout).
        $result.Output | Should -Be "stubborn`n"
        $result.Error | Should -BeNullOrEmpty
    }

    It 'restarts nothing with -WhatIf' {
        $before = Get-StartedAt ticker
        Restart-SentinelContainer ticker -Session $session -WhatIf | Should -BeNullOrEmpty
        Get-StartedAt ticker | Should -Be $before
    }

    It 'gets the last -Tail lines of a log, stdout and stderr apart' {
        Wait-Until { (Invoke-SentinelLabDocker $engine @('logs', 'ticker') 2>$null).Count -ge 3 } | Should -BeTrue
        $log = Get-SentinelContainerLog ticker -Tail 2 -Session $session
        $log | Should -BeOfType Sentinel.Results.ContainerLog
        $lines = $log.Output.TrimEnd("`n") -split "`n"
        $lines.Count | Should -Be 2
        $lines | Should -Match '^tick \d+$'
        (Get-SentinelContainerLog ticker -Session $session).Error | Should -BeLike '*ticker starting*'
        $log.Truncated | Should -BeFalse
    }

    It 'gets only the lines written since -Since' {
        $since = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 2
        $log = Get-SentinelContainerLog ticker -Since "$since" -Session $session
        $times = @($log.Output.TrimEnd("`n") -split "`n" | ForEach-Object { [long]($_ -replace '^tick ', '') })
        $times.Count | Should -BeGreaterThan 0
        $times | ForEach-Object { $_ | Should -BeGreaterOrEqual ($since - 1) }
        $all = Get-SentinelContainerLog ticker -Session $session
        ($all.Output.TrimEnd("`n") -split "`n").Count | Should -BeGreaterThan $times.Count
    }

    It 'keeps -MaxOutputBytes of a longer log and says Truncated' {
        $log = Get-SentinelContainerLog ticker -MaxOutputBytes 12 -Session $session
        $log.Truncated | Should -BeTrue
        $log.Output | Should -Match '^tick \d{7}$'
    }

    It 'refuses a missing container in Restart and logs with ContainerNotFound' {
        Restart-SentinelContainer absent -Session $session -ErrorVariable restartFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-SentinelContainerLog absent -Session $session -ErrorVariable logFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        foreach ($record in @($restartFailure) + @($logFailure)) {
            $record.FullyQualifiedErrorId | Should -BeLike 'Sentinel.ContainerNotFound,*'
            $record.TargetObject | Should -Be $lab.ComputerName
        }
    }

    It 'refuses names that try to inject shell: nothing reaches docker or the host' {
        $marker = "/tmp/sentinel-injection-$([guid]::NewGuid().ToString('N'))"
        $attempts = "ticker; touch $marker", "`$(touch $marker)", "-v"
        $before = Get-StartedAt ticker
        Restart-SentinelContainer $attempts -Session $session -ErrorVariable restartFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-SentinelContainerLog $attempts -Session $session -ErrorVariable logFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        foreach ($record in @($restartFailure) + @($logFailure)) {
            $record.FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidContainerName,*'
            $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
        @($restartFailure).Count + @($logFailure).Count | Should -Be 6
        Test-Path $marker | Should -BeFalse
        Get-StartedAt ticker | Should -Be $before
    }
}
