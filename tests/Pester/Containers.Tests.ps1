# docker has no engine on this machine: these tests run the container cmdlets over the real SSH path
# against a docker REPLAY (tests/fixtures/docker-replay.sh installed as `docker` first on the lab
# user's PATH) that answers from captured-format outputs and logs each call it gets.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $fixtures = Join-Path $RepoRoot 'tests/fixtures'
    $lab = Start-SentinelLab -NoNginx -Replay @{ docker = (Join-Path $fixtures 'docker-replay.sh') } -ReplayData (Get-ChildItem $fixtures -Filter 'docker-*.captured.*').FullName
    $session = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential (Get-SentinelLabCredential -Lab $lab) -KnownHostsFile (Join-Path $TestDrive 'known_hosts')
    $callsLog = Join-Path $lab.ReplayRoot 'calls.log'
    function Get-ReplayCall { @(Get-Content $callsLog) }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Container cmdlets against a docker replay of captured outputs' {
    BeforeEach { [System.IO.File]::WriteAllText($callsLog, '') }

    It 'lists every container, typed, from docker ps JSON' {
        $containers = Get-SentinelContainer -Session $session
        $containers.Count | Should -Be 3
        $containers[0] | Should -BeOfType Sentinel.Results.ContainerStatus
        $web = $containers | Where-Object Name -EQ 'web'
        $web.Id | Should -Be '3f2a9c1b7d4e8a6f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a'
        $web.Image | Should -Be 'nginx:1.27'
        $web.State | Should -Be 'running'
        $web.Status | Should -Be 'Up 4 days'
        $web.Ports | Should -Be '0.0.0.0:8080->80/tcp, :::8080->80/tcp'
        $web.ComputerName | Should -Be $lab.ComputerName
        ($containers | Where-Object Name -EQ 'nightly-backup').State | Should -Be 'exited'
        Get-ReplayCall | Should -Be 'ps --all --no-trunc --format {{json .}}'
    }

    It 'filters by name, id prefix and wildcard, and reports a missing name as ContainerNotFound' {
        (Get-SentinelContainer web -Session $session).Name | Should -Be 'web'
        (Get-SentinelContainer '9b8c7d6e5f4a' -Session $session).Name | Should -Be 'cache'
        (Get-SentinelContainer 'night*' -Session $session).Name | Should -Be 'nightly-backup'
        Get-SentinelContainer 'absent' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ContainerNotFound,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
    }

    It 'restarts a container and checks with docker inspect that it runs' {
        $result = Restart-SentinelContainer web -Session $session
        $result | Should -BeOfType Sentinel.Results.ContainerActionResult
        $result.Succeeded | Should -BeTrue
        $result.StateAfter | Should -Be 'running'
        $result.StartedAt | Should -Be ([datetime]::new(2026, 11, 25, 1, 50, 3, [DateTimeKind]::Utc).AddTicks(4129783))
        Get-ReplayCall | Should -Contain 'restart -- web'
        Get-ReplayCall | Should -Contain 'inspect --format {{json .State}} -- web'
    }

    It 'gives docker the -StopTimeout grace period, and refuses one that -Timeout would cut short' {
        (Restart-SentinelContainer web -StopTimeout 30 -Session $session).Succeeded | Should -BeTrue
        Get-ReplayCall | Should -Contain 'restart --time 30 -- web'
        { Restart-SentinelContainer web -StopTimeout 60 -Timeout 60 -Session $session -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.InvalidArgument,*'
        @(Get-ReplayCall | Where-Object { $_ -like 'restart*' }).Count | Should -Be 1
    }

    It 'restarts nothing with -WhatIf' {
        Restart-SentinelContainer web -Session $session -WhatIf | Should -BeNullOrEmpty
        Get-ReplayCall | Should -BeNullOrEmpty
    }

    It 'refuses an unknown container with ContainerNotFound before restarting anything' {
        Restart-SentinelContainer absent -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ContainerNotFound,*'
        Get-ReplayCall | Should -Not -Match '^restart'
    }

    It 'gets a container''s log with -Tail and -Since, stdout and stderr apart' {
        $log = Get-SentinelContainerLog web -Tail 2 -Since 10m -Session $session
        $log | Should -BeOfType Sentinel.Results.ContainerLog
        ($log.Output.TrimEnd("`n") -split "`n").Count | Should -Be 2
        $log.Output | Should -BeLike '*GET /missing*'
        $log.Error | Should -BeLike '*open()*failed*'
        Get-ReplayCall | Should -Contain 'logs --tail 2 --since 10m -- web'
        $log.Truncated | Should -BeFalse
    }

    It 'keeps -MaxOutputBytes of a longer log and says Truncated' {
        $log = Get-SentinelContainerLog web -MaxOutputBytes 40 -Session $session
        $log.Truncated | Should -BeTrue
        $log.Output.Length | Should -Be 40
        $log.Output | Should -Be (Get-Content (Join-Path $PSScriptRoot '../fixtures/docker-logs.web.captured.txt') -Raw).Substring(0, 40)
    }

    It 'refuses names that try to inject shell: nothing reaches docker or the host' {
        $marker = "/tmp/sentinel-injection-$([guid]::NewGuid().ToString('N'))"
        $attempts = "web; touch $marker", "`$(touch $marker)", "-v"
        Restart-SentinelContainer $attempts -Session $session -ErrorVariable restartFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-SentinelContainerLog $attempts -Session $session -ErrorVariable logFailure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        foreach ($record in @($restartFailure) + @($logFailure)) {
            $record.FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidContainerName,*'
            $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
        @($restartFailure).Count + @($logFailure).Count | Should -Be 6
        Test-Path $marker | Should -BeFalse
        Get-ReplayCall | Should -BeNullOrEmpty
    }
}
