# The hostile neighbour: a second local user, 'sentinel-neighbour' (no sudo, no lab group, its own home),
# who watches shared directories and reads whatever it can of every file the moment it appears,
# keeping the descriptor open to read again as the file grows (SentinelNeighbour.py). A test starts it
# on the directories Sentinel writes to, lets Sentinel work, and asks what the neighbour got.
# Needs root (useradd, runuser).

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'SentinelLab.psm1')

$script:NeighbourUser = 'sentinel-neighbour'
$script:NeighboursRoot = '/run/sentinel-lab/neighbours'
$script:Python = '/usr/bin/python3'

function Initialize-SentinelLabNeighbour {
    <# Makes the neighbour user when it is missing: its own group and home, no password, no sudoers rule. #>
    $null = & id -u $script:NeighbourUser 2>$null
    if ($LASTEXITCODE -ne 0) {
        Invoke-Native useradd @('--create-home', '--user-group', '--shell', '/usr/sbin/nologin', $script:NeighbourUser) | Out-Null
    }
    $groups = @((Invoke-Native id @('-Gn', $script:NeighbourUser)) -split ' ')
    if ($groups.Count -ne 1 -or $groups[0] -ne $script:NeighbourUser) {
        throw "$($script:NeighbourUser) must be in its own group only, not in: $($groups -join ', ')"
    }
    $script:NeighbourUser
}

function Start-SentinelLabNeighbour {
    <#
    Starts the neighbour watching the directories (and every directory made below them) and returns
    once its watches are in place. It must be able to enter them: make them world-searchable.
    Returns ProcessId (the watcher's), LauncherId (runuser's), WorkPath, LootPath, LogPath.
    #>
    param([Parameter(Mandatory)][string[]]$Path, [int]$TimeoutSeconds = 30)
    $user = Initialize-SentinelLabNeighbour
    if (-not (Test-Path $script:NeighboursRoot)) { New-Item -ItemType Directory -Path $script:NeighboursRoot -Force | Out-Null }
    $work = Join-Path $script:NeighboursRoot ([guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
    Copy-Item (Join-Path $PSScriptRoot 'SentinelNeighbour.py') (Join-Path $work 'watcher.py')
    Invoke-Native chown @('-R', "${user}:$user", $work) | Out-Null
    Invoke-Native chmod @('700', $work) | Out-Null

    $arguments = @('-u', $user, '--', $script:Python, (Join-Path $work 'watcher.py'), $work) + @($Path | ForEach-Object { (Resolve-Path $_).Path })
    $launcher = Start-Process -FilePath runuser -ArgumentList $arguments -PassThru `
        -RedirectStandardOutput (Join-Path $work 'stdout') -RedirectStandardError (Join-Path $work 'stderr')
    $ready = Join-Path $work 'ready'
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path $ready)) {
        if ($launcher.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            Stop-ProcessTree -ProcessId $launcher.Id
            throw "The neighbour did not get ready: $(Get-Content (Join-Path $work 'stderr') -Raw -ErrorAction SilentlyContinue)"
        }
        [System.Threading.Thread]::Sleep(20)
    }
    [pscustomobject]@{
        PSTypeName = 'SentinelLab.Neighbour'
        UserName   = $user
        ProcessId  = [int](Get-Content $ready -Raw)
        LauncherId = $launcher.Id
        Watched    = @($Path)
        WorkPath   = $work
        LootPath   = Join-Path $work 'loot'
        LogPath    = Join-Path $work 'log.jsonl'
    }
}

function Stop-SentinelLabNeighbour {
    <# Stops the watcher and its launcher by PID and removes its work directory (unless -KeepFiles). #>
    param([Parameter(Mandatory)]$Neighbour, [switch]$KeepFiles)
    # The watcher first: runuser then exits with it (a TERM to runuser waits 2 s before it kills).
    Stop-ProcessTree -ProcessId $Neighbour.ProcessId
    Wait-ProcessExit -ProcessId $Neighbour.ProcessId
    Wait-ProcessExit -ProcessId $Neighbour.LauncherId
    if (-not $KeepFiles) { Remove-Item $Neighbour.WorkPath -Recurse -Force -ErrorAction SilentlyContinue }
}

function Get-SentinelLabNeighbourLoot {
    <#
    What the neighbour got so far: Loot (Path, Content, Bytes: the most it read of each file it could
    open), Seen (every entry it saw: Path, How, Type, Mode as octal text, Uid, at the moment it saw
    it), Opened (paths it could open) and Refused (paths it could not).
    #>
    param([Parameter(Mandatory)]$Neighbour)
    $entries = @(if (Test-Path $Neighbour.LogPath) {
            Get-Content $Neighbour.LogPath | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json }
        })
    $loot = @($entries | Where-Object event -EQ 'read' | Group-Object path | ForEach-Object {
            $last = $_.Group[-1]
            $bytes = [System.IO.File]::ReadAllBytes((Join-Path $Neighbour.LootPath $last.loot))
            [pscustomobject]@{ Path = $_.Name; Content = [System.Text.Encoding]::UTF8.GetString($bytes); Bytes = $bytes.Length }
        })
    $seen = @($entries | Where-Object event -EQ 'seen' | ForEach-Object {
            [pscustomobject]@{
                Path = $_.path; How = $_.how
                Type = if ($_.PSObject.Properties['type']) { $_.type }
                Mode = if ($_.PSObject.Properties['mode']) { $_.mode }
                Uid  = if ($_.PSObject.Properties['uid']) { $_.uid }
            }
        })
    [pscustomobject]@{
        Loot    = $loot
        Seen    = $seen
        Opened  = @($entries | Where-Object event -EQ 'opened' | ForEach-Object path)
        Refused = @($entries | Where-Object event -EQ 'open-failed' | ForEach-Object path)
        Log     = $entries
    }
}

function New-SentinelLabNeighbourLink {
    <# Plants a symbolic link as the neighbour (it must be allowed to write where the link goes). #>
    param([Parameter(Mandatory)][string]$Link, [Parameter(Mandatory)][string]$Target)
    $user = Initialize-SentinelLabNeighbour
    Invoke-Native runuser @('-u', $user, '--', 'ln', '-s', '--', $Target, $Link) | Out-Null
    Get-Item -LiteralPath $Link -Force
}

Export-ModuleMember -Function Initialize-SentinelLabNeighbour, Start-SentinelLabNeighbour, Stop-SentinelLabNeighbour, Get-SentinelLabNeighbourLoot, New-SentinelLabNeighbourLink
