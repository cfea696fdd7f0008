/**
 * Examples from the C2SP specifications (github.com/C2SP/C2SP, CC-BY-4.0/BSD): signed-note.md
 * ("Example": a verifier key and the note it verifies), tlog-checkpoint.md (the introductory
 * checkpoint) and tlog-cosignature.md (the same checkpoint with a witness cosignature, and the
 * signed message for `time 1679315147`).
 */

/** signed-note.md: the verifier key of the example. */
export const exampleVerifierKey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';

/** signed-note.md: the note that key verifies. */
export const exampleSignedNote: string =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

/** tlog-checkpoint.md / tlog-cosignature.md: the example checkpoint, cosigned by witness.example.com/w1. */
export const exampleCosignedCheckpoint: string =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
  '\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';

/** tlog-cosignature.md: the Ed25519 signed message of the example (timestamp 1679315147). */
export const exampleCosignatureMessage: string =
  'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
