BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The README demo' {
    It 'runs to the end against the lab on localhost:2222' {
        $demo = Join-Path $RepoRoot 'tests/lab/Demo.ps1'
        $output = (Invoke-ChildPwsh -Script "& '$demo' -ModulePath '$ModulePath'") -join "`n"
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -BeLike '*Demo finished: 5 of 6 commands exited 0; open sessions left: 0.*'
        & pgrep -F /run/sentinel-lab/demo/sshd.pid 2>$null | Should -BeNullOrEmpty -Because 'the demo stops its sshd'
    }
}
