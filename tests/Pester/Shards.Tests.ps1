BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $names = 1..100 | ForEach-Object { 'host{0:000}' -f $_ }
    $schedulerVariables = 'CI_NODE_INDEX', 'CI_NODE_TOTAL', 'SYSTEM_JOBPOSITIONINPHASE', 'SYSTEM_TOTALJOBSINPHASE', 'JOB_COMPLETION_INDEX', 'NOMAD_ALLOC_INDEX'

    function Get-ShardHosts {
        # The hosts Restart-SentinelService -Shard Auto plans for in a fresh pwsh whose environment is the
        # scheduler's (only these variables set), one run per shard: -WhatIf names each host it would
        # touch (its roll's plan) and connects to none.
        param([hashtable[]]$Environments, [string]$ExtraParameters = '')
        $runs = foreach ($environment in $Environments) {
            $set = ($schedulerVariables | ForEach-Object { "Remove-Item env:$_ -ErrorAction SilentlyContinue" }) + ($environment.GetEnumerator() | ForEach-Object { "`$env:$($_.Key) = '$($_.Value)'" })
            @"
$($set -join "`n")
'--- shard'
Restart-SentinelService nginx -ComputerName $($names -join ',') -Shard Auto $ExtraParameters -WhatIf
"@
        }
        $output = Invoke-ChildPwsh -Script ("Import-Module '$ModulePath'`n" + ($runs -join "`n"))
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $shards = [System.Collections.Generic.List[object]]::new()
        foreach ($line in $output) {
            if ("$line" -eq '--- shard') { $shards.Add([System.Collections.Generic.List[string]]::new()) }
            elseif ("$line" -match 'Batch \d+ of \d+, (host\d{3}): restart nginx') { $shards[-1].Add($Matches[1]) }
        }
        $shards.Count | Should -Be $Environments.Count -Because ($output -join "`n")
        , $shards
    }

    function Assert-Partition {
        param($Shards)
        $all = @($Shards | ForEach-Object { $_ })
        $all.Count | Should -Be 100 -Because 'every host is in some shard, and none in two'
        ($all | Sort-Object -Unique) | Should -Be $names
        $Shards | ForEach-Object { $_.Count | Should -BeGreaterThan 10 -Because 'the hash spreads the hosts' }
    }
}

Describe '-Shard Auto under each scheduler''s variables' {
    It 'Kubernetes Indexed Job: JOB_COMPLETION_INDEX from 0, with -ShardCount' {
        $shards = Get-ShardHosts -Environments (0..3 | ForEach-Object { @{ JOB_COMPLETION_INDEX = $_ } }) -ExtraParameters '-ShardCount 4'
        Assert-Partition $shards
    }

    It 'GitLab parallel: CI_NODE_INDEX from 1 and CI_NODE_TOTAL' {
        $shards = Get-ShardHosts -Environments (1..4 | ForEach-Object { @{ CI_NODE_INDEX = $_; CI_NODE_TOTAL = 4 } })
        Assert-Partition $shards
    }

    It 'Azure Pipelines: SYSTEM_JOBPOSITIONINPHASE from 1 and SYSTEM_TOTALJOBSINPHASE' {
        $shards = Get-ShardHosts -Environments (1..4 | ForEach-Object { @{ SYSTEM_JOBPOSITIONINPHASE = $_; SYSTEM_TOTALJOBSINPHASE = 4 } })
        Assert-Partition $shards
    }

    It 'Nomad: NOMAD_ALLOC_INDEX from 0, with -ShardCount; the same shard twice gets the same hosts, and -Shard k/n agrees' {
        $shards = Get-ShardHosts -Environments ((0..3 | ForEach-Object { @{ NOMAD_ALLOC_INDEX = $_ } }) + @{ NOMAD_ALLOC_INDEX = 1 }) -ExtraParameters '-ShardCount 4'
        Assert-Partition @($shards[0..3])
        $shards[4] | Should -Be $shards[1] -Because 'a shard run twice works on the same hosts'
        $gitLab = Get-ShardHosts -Environments @{ CI_NODE_INDEX = 2; CI_NODE_TOTAL = 4 }
        $gitLab[0] | Should -Be $shards[1] -Because 'Nomad''s index 1 is GitLab''s 2: the same shard 2/4'
    }
}

Describe '-Shard over the inventory' {
    It 'splits by the inventory server''s name, as Get-SentinelServer -Shard lists the shares' {
        # Names and addresses differ (srvNNN at hostNNN), so a split by address would not match.
        $servers = Join-Path $TestDrive 'shard-servers.json'
        @{ servers = @(1..100 | ForEach-Object { @{ name = 'srv{0:000}' -f $_; computerName = 'host{0:000}' -f $_; tags = @('fleet') } }) } | ConvertTo-Json -Depth 4 | Set-Content $servers
        $script = "Import-Module '$ModulePath'`n`$env:SENTINEL_SERVERS = '$servers'`n" + ((1..4 | ForEach-Object {
                    "'--- shard'`nRestart-SentinelService nginx -Tag fleet -Shard $_/4 -WhatIf`n'--- listed'`n(Get-SentinelServer -Tag fleet -Shard $_/4).ComputerName"
                }) -join "`n")
        $output = Invoke-ChildPwsh -Script $script
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $planned = [System.Collections.Generic.List[object]]::new(); $listed = [System.Collections.Generic.List[object]]::new(); $into = $null
        foreach ($line in $output) {
            if ("$line" -eq '--- shard') { $into = [System.Collections.Generic.List[string]]::new(); $planned.Add($into) }
            elseif ("$line" -eq '--- listed') { $into = [System.Collections.Generic.List[string]]::new(); $listed.Add($into) }
            elseif ("$line" -match 'Batch \d+ of \d+, (host\d{3}): restart nginx') { $into.Add($Matches[1]) }
            elseif ("$line" -match '^host\d{3}$') { $into.Add("$line") }
        }
        Assert-Partition $planned
        foreach ($k in 0..3) { ($planned[$k] | Sort-Object) | Should -Be ($listed[$k] | Sort-Object) -Because "share $($k + 1)/4 is the same servers either way" }
    }
}

Describe '-Shard in this process' {
    BeforeAll {
        $saved = @{}
        foreach ($variable in $schedulerVariables) {
            $saved[$variable] = [Environment]::GetEnvironmentVariable($variable)
            [Environment]::SetEnvironmentVariable($variable, $null)
        }
    }

    AfterAll {
        foreach ($variable in $schedulerVariables) { [Environment]::SetEnvironmentVariable($variable, $saved[$variable]) }
    }

    It 'Auto without any scheduler''s variables is a terminating InvalidArgument that names them' {
        $failure = { Restart-SentinelService nginx -ComputerName host001 -Shard Auto -WhatIf } | Should -Throw -ErrorId 'Sentinel.InvalidArgument*' -PassThru
        $failure.Exception.Message | Should -BeLike '*CI_NODE_INDEX*JOB_COMPLETION_INDEX*NOMAD_ALLOC_INDEX*' -Because 'it says what it looked for'
    }

    It 'a Kubernetes index without -ShardCount, and an index out of range, are terminating InvalidArgument' {
        try {
            $env:JOB_COMPLETION_INDEX = '3'
            { Get-SentinelService nginx -ComputerName host001 -Shard Auto } | Should -Throw -ErrorId 'Sentinel.InvalidArgument*'
            { Get-SentinelService nginx -ComputerName host001 -Shard Auto -ShardCount 3 } | Should -Throw -ErrorId 'Sentinel.InvalidArgument*'
        }
        finally { $env:JOB_COMPLETION_INDEX = $null }
        { Get-SentinelService nginx -ComputerName host001 -Shard 3/2 } | Should -Throw -ErrorId 'Sentinel.InvalidArgument*'
    }

    It 'an empty shard is a warning, not an error, and verbose says which shard got how many hosts' {
        $runs = 1..2 | ForEach-Object {
            $verbose = Restart-SentinelService nginx -ComputerName host001 -Shard "$_/2" -WhatIf -WarningVariable warnings -ErrorVariable errors -Verbose 4>&1 3>$null
            [pscustomobject]@{ Warnings = @($warnings); Errors = @($errors); Verbose = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) }
        }
        @($runs | Where-Object { $_.Warnings.Count -eq 1 }).Count | Should -Be 1 -Because 'host001 is in one of the two shards, so the other is empty'
        $runs | ForEach-Object { $_.Errors | Should -BeNullOrEmpty }
        $empty = $runs | Where-Object { $_.Warnings.Count -eq 1 }
        "$($empty.Warnings[0])" | Should -BeLike 'Shard ?/2 holds none of the 1 host(s) named*'
        $empty.Verbose | Should -Contain ($empty.Verbose | Where-Object { $_ -like 'Shard ?/2: 0 of the 1 host(s) named.' })
        ($runs | Where-Object { $_.Warnings.Count -eq 0 }).Verbose | Where-Object { $_ -like 'Shard ?/2: 1 of the 1 host(s) named.' } | Should -Not -BeNullOrEmpty
    }

    It 'sessions are not sharded: -Shard does not go with -Session' {
        { Get-SentinelService nginx -Session @() -Shard 1/2 } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }
}
