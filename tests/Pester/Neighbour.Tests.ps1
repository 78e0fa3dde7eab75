# The hostile-neighbour fixture (tests/lab/SentinelNeighbour.psm1) itself: it must catch a file that
# was readable for a moment, even if it was empty then, and must not claim a file it could not open.
# Other test files rely on it to prove that Sentinel leaves no such moment.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $script:RepoRoot 'tests/lab/SentinelNeighbour.psm1') -Force
    # A shared directory someone else (root here) writes to; the neighbour may enter and list it.
    $shared = "/srv/sentinel-neighbour-test-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $shared | Out-Null
    Invoke-Native chmod @('755', $shared) | Out-Null
    $neighbour = Start-SentinelLabNeighbour -Path $shared
    $secret = "neighbour-fixture-secret-$([guid]::NewGuid().ToString('N'))"

    function Get-Loot { Get-SentinelLabNeighbourLoot -Neighbour $neighbour }
}

AfterAll {
    if ($neighbour) { Stop-SentinelLabNeighbour -Neighbour $neighbour }
    Remove-Item $shared -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The hostile neighbour' {
    It 'is another user, with no sudo and no group of the lab' {
        $neighbour.UserName | Should -Be 'sentinel-neighbour'
        (& id -Gn $neighbour.UserName) | Should -Be 'sentinel-neighbour'
        (& ps -o user= -p $neighbour.ProcessId).Trim() | Should -Be 'sentinel-neighbour'
        & sudo -l -n -U $neighbour.UserName 2>&1 | Out-String | Should -BeLike '*not allowed to run sudo*'
    }

    It 'reads a secret written into a file that was 0644 while empty, even after a chmod 600' {
        $path = Join-Path $shared 'created-0644'
        & bash -c 'umask 022; : > "$1"' bash $path
        Wait-Until { (Get-Loot).Opened -contains $path } | Should -BeTrue -Because 'the neighbour opens a readable file as soon as it appears'
        & bash -c 'chmod 600 "$1"; printf %s "$2" >> "$1"' bash $path $secret
        Wait-Until { ((Get-Loot).Loot | Where-Object Path -EQ $path).Content -eq $secret } | Should -BeTrue -Because 'the descriptor opened at 0644 still reads'
        ((Get-Loot).Seen | Where-Object Path -EQ $path)[0].Mode | Should -Be '0644'
    }

    It 'reads nothing of a file created 0600, and records the mode it saw' {
        $path = Join-Path $shared 'created-0600'
        & bash -c 'umask 077; : > "$1"; printf %s "$2" >> "$1"' bash $path $secret
        Wait-Until { (Get-Loot).Refused -contains $path } | Should -BeTrue
        $loot = Get-Loot
        $loot.Loot | Where-Object Path -EQ $path | Should -BeNullOrEmpty
        $loot.Opened | Should -Not -Contain $path
        ($loot.Seen | Where-Object Path -EQ $path)[0].Mode | Should -Be '0600'
    }

    It 'watches directories made after it started, and what was made in them before their watch' {
        $directory = Join-Path $shared 'later'
        $path = Join-Path $directory 'inner'
        & bash -c 'umask 022; mkdir "$1"; printf %s "$3" > "$2"' bash $directory $path $secret
        Wait-Until { ((Get-Loot).Loot | Where-Object Path -EQ $path).Content -eq $secret } | Should -BeTrue
        ((Get-Loot).Seen | Where-Object Path -EQ $directory).Type | Should -Be 'directory'
    }

    It 'sees a file moved into a watched directory' {
        $outside = Join-Path $TestDrive 'moved'
        Set-Content -Path $outside -Value $secret -NoNewline
        $path = Join-Path $shared 'moved'
        Invoke-Native chmod @('644', $outside) | Out-Null
        Invoke-Native mv @($outside, $path) | Out-Null
        Wait-Until { ((Get-Loot).Loot | Where-Object Path -EQ $path).Content -eq $secret } | Should -BeTrue
        ((Get-Loot).Seen | Where-Object Path -EQ $path).How | Should -Be 'moved'
    }

    It 'plants a symbolic link as itself' {
        $sticky = Join-Path $shared 'sticky'
        New-Item -ItemType Directory -Path $sticky | Out-Null
        Invoke-Native chmod @('1777', $sticky) | Out-Null
        $link = New-SentinelLabNeighbourLink -Link (Join-Path $sticky 'link') -Target '/etc/shadow'
        $link.LinkTarget | Should -Be '/etc/shadow'
        (& stat -c %U $link.FullName) | Should -Be 'sentinel-neighbour'
    }

    It 'stops by PID, with its launcher' {
        $other = Start-SentinelLabNeighbour -Path $shared
        Stop-SentinelLabNeighbour -Neighbour $other
        Get-Process -Id $other.ProcessId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Process -Id $other.LauncherId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-Path $other.WorkPath | Should -BeFalse
    }
}
