/**
 * Words of the employee's report (`report.*`). Importing this module registers them in the
 * catalogue.
 */
import { register, type Catalogue } from './index.ts'

export const report: Catalogue = {
  'report.title': { id: 'Laporan penilaian kompetensi 360 derajat', en: '360-degree competency report' },
  'report.print': { id: 'Cetak / simpan PDF', en: 'Print / save as PDF' },
  'report.identity': { id: 'Identitas dan periode', en: 'Identity and period' },
  'report.nip': { id: 'NIP', en: 'NIP' },
  'report.name': { id: 'Nama', en: 'Name' },
  'report.position': { id: 'Jabatan', en: 'Position' },
  'report.unit': { id: 'Unit kerja', en: 'Unit' },
  'report.supervisor': { id: 'Pejabat Penilai Kinerja', en: 'Appraiser (supervisor)' },
  'report.superior': { id: 'Atasan Pejabat Penilai Kinerja', en: "Appraiser's superior" },
  'report.cycle': { id: 'Siklus', en: 'Cycle' },
  'report.period': { id: 'Periode', en: 'Period' },
  'report.cycleStatus.draft': { id: 'draf', en: 'draft' },
  'report.cycleStatus.running': { id: 'berjalan', en: 'running' },
  'report.cycleStatus.closed': { id: 'ditutup', en: 'closed' },

  'report.predikat': { id: 'Predikat kinerja', en: 'Performance predikat' },
  'report.predikat.none': { id: 'Predikat belum ditetapkan.', en: 'No predikat yet.' },

  'report.chart': { id: 'Profil kompetensi', en: 'Competency profile' },
  'report.chart.caption': {
    id: 'Rata-rata tiap peran per kompetensi pada skala {min}–{max}, dibandingkan dengan level yang disyaratkan jabatan.',
    en: "Each role's mean per competency on the {min}–{max} scale, against the level the position requires.",
  },
  'report.chart.aria': { id: 'Diagram radar {count} kompetensi', en: 'Radar chart of {count} competencies' },
  'report.required': { id: 'Level yang disyaratkan', en: 'Required level' },
  'report.noScores': { id: 'Belum ada skor kompetensi.', en: 'No competency scores yet.' },
  'report.peersHidden': {
    id: '{role}: tidak ditampilkan. Baru {answered} dari minimal {threshold} penilai mengisi (kurang {missing}); di bawah batas itu penilaian anonim tidak ditampilkan agar tidak dapat dikenali, dan bobotnya dibagi ke peran lain.',
    en: '{role}: not shown. Only {answered} of at least {threshold} raters answered ({missing} missing); below that number anonymous ratings are not shown so that no one can be recognised, and their weight goes to the other roles.',
  },
  'report.anonymousShown': {
    id: '{role}: rata-rata dari {answered} penilai anonim; jawaban perorangan tidak pernah ditampilkan.',
    en: '{role}: the mean of {answered} anonymous raters; individual answers are never shown.',
  },

  'report.table': { id: 'Skor per kompetensi', en: 'Scores per competency' },
  'report.competency': { id: 'Kompetensi', en: 'Competency' },
  'report.weight': { id: 'bobot {weight}%', en: 'weight {weight}%' },
  'report.score': { id: 'Skor akhir', en: 'Final score' },
  'report.gap': { id: 'Kesenjangan', en: 'Gap' },
  'report.shareNote': {
    id: 'Bobot efektif peran ini berbeda dari bobot nominalnya: peran lain tidak menilai kompetensi tersebut, sehingga bobotnya dibagi ulang ke peran yang ada.',
    en: "This role's effective weight differs from its nominal weight: another role did not rate the competency, so its weight went to the roles present.",
  },
  'report.share': { id: 'Bobot efektif {share}% (peran yang tidak ada dibagi ulang)', en: 'Effective weight {share}% (missing roles redistributed)' },

  'report.perception': { id: 'Titik buta dan kekuatan tersembunyi', en: 'Blind spots and hidden strengths' },
  'report.perception.rule': {
    id: 'Selisih penilaian diri dengan rata-rata peran lain lebih dari {margin} level (sepertiga skala).',
    en: 'The self-assessment differs from the mean of the other roles by more than {margin} levels (a third of the scale).',
  },
  'report.blindSpots': { id: 'Titik buta (menilai diri lebih tinggi)', en: 'Blind spots (self rated higher)' },
  'report.hiddenStrengths': { id: 'Kekuatan tersembunyi (menilai diri lebih rendah)', en: 'Hidden strengths (self rated lower)' },
  'report.self': { id: 'Diri', en: 'Self' },
  'report.others': { id: 'Peran lain', en: 'Others' },
  'report.difference': { id: 'Selisih', en: 'Difference' },

  'report.training': { id: 'Rekomendasi pengembangan kompetensi', en: 'Development recommendations' },
  'report.training.course': { id: 'Pengembangan', en: 'Development' },
  'report.training.route': { id: 'Jalur', en: 'Route' },
  'report.training.levels': { id: 'Level', en: 'Levels' },
  'report.training.jp': { id: 'JP', en: 'JP' },
  'report.training.total': { id: 'Jumlah', en: 'Total' },
  'report.training.meets': {
    id: '{total} JP dari paling sedikit {annual} JP per tahun (PP 17/2020 Ps. 203 ayat 4): terpenuhi.',
    en: '{total} JP of the yearly minimum of {annual} JP (PP 17/2020 Art. 203(4)): met.',
  },
  'report.training.short': {
    id: '{total} JP dari paling sedikit {annual} JP per tahun (PP 17/2020 Ps. 203 ayat 4): kurang {short} JP.',
    en: '{total} JP of the yearly minimum of {annual} JP (PP 17/2020 Art. 203(4)): {short} JP short.',
  },

  'report.talent': { id: 'Tugas belajar dan peta talenta', en: 'Study assignment and talent map' },
  'report.scholarship': { id: 'Syarat kinerja tugas belajar', en: 'Performance condition for a study assignment (tugas belajar)' },
  'report.scholarship.eligible': { id: 'Memenuhi syarat kinerja', en: 'Meets the performance condition' },
  'report.scholarship.notEligible': { id: 'Belum memenuhi syarat kinerja', en: 'Does not meet the performance condition yet' },
  'report.scholarship.basis': { id: 'Evaluasi yang menentukan', en: 'Evaluations that decide' },
  'report.nineBox': { id: 'Kotak talenta (9 kotak, PermenPANRB 3/2020)', en: 'Talent box (9-box, PermenPANRB 3/2020)' },
  'report.nineBox.box': { id: 'Kotak {box}', en: 'Box {box}' },
  'report.nineBox.axes': { id: 'Kinerja: {performance}; potensial: {potential}', en: 'Performance: {performance}; potential: {potential}' },
  'report.nineBox.pool': { id: 'Masuk kelompok rencana suksesi.', en: 'In the succession group.' },
  'report.level.below': { id: 'di bawah ekspektasi', en: 'below expectations' },
  'report.level.meets': { id: 'sesuai ekspektasi', en: 'meets expectations' },
  'report.level.above': { id: 'di atas ekspektasi', en: 'above expectations' },
  'report.level.low': { id: 'rendah', en: 'low' },
  'report.level.medium': { id: 'menengah', en: 'medium' },
  'report.level.high': { id: 'tinggi', en: 'high' },

  'report.results': { id: 'Hasil lainnya', en: 'Other results' },
  'report.history': { id: 'Riwayat siklus sebelumnya', en: 'Earlier cycles' },
  'report.history.none': { id: 'Belum ada siklus sebelumnya yang selesai.', en: 'No earlier cycle finished.' },
  'report.outcome': { id: 'Hasil akhir', en: 'Outcome' },

  'report.workflow': { id: 'Status penilaian', en: 'State of the appraisal' },
  'report.step': { id: 'Tahap saat ini', en: 'Current step' },
  'report.status.active': { id: 'Berjalan', en: 'In progress' },
  'report.status.done': { id: 'Selesai', en: 'Done' },
  'report.status.failed': { id: 'Terhenti karena kesalahan; hubungi HR', en: 'Stopped by an error; contact HR' },
  'report.deadline': { id: 'Batas waktu tahap ini', en: 'Deadline of this step' },
  'report.employeeDeadline': { id: 'Batas waktu tanggapan Anda (mis. keberatan)', en: 'Your deadline to respond (e.g. to object)' },
  'report.tasks': { id: 'Yang masih ditunggu', en: 'Still awaited' },
  'report.tasks.none': { id: 'Tidak ada yang ditunggu.', en: 'Nothing awaited.' },
  'report.tasks.remaining': { id: '{remaining} lagi', en: '{remaining} more' },
  'report.tasks.actions': { id: 'Pilihan: {actions}', en: 'Options: {actions}' },
  'report.due': { id: 'batas {at}', en: 'due {at}' },

  'report.yes': { id: 'ya', en: 'yes' },
  'report.no': { id: 'tidak', en: 'no' },
  'report.footer': {
    id: 'Dihitung dengan paket {id} versi {version}. Penilaian rekan kerja bersifat anonim: hanya rata-rata dari sedikitnya ambang batas penilai yang ditampilkan.',
    en: 'Computed by package {id} version {version}. Peer ratings are anonymous: only means of at least the threshold number of raters are shown.',
  },
}

register(report)
